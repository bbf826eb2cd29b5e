/**
 * Stands in for codemirror-json-schema's renderMarkdown (see vite.config.ts): the library
 * renders schema descriptions with markdown-it and Shiki (several hundred KB minified, see
 * vite.config.ts) for one-line descriptions and error messages. Here they are escaped text
 * with `code` spans, the only markup our contract's descriptions use. The result is set as
 * innerHTML by the library, so everything is escaped before the one tag is added.
 */
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function renderMarkdown(markdown: string, _inline = true): string {
  const escaped = String(markdown).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
  return escaped.replace(/`([^`]+)`/g, '<code>$1</code>');
}
