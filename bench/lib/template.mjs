// The report's templates (bench/report/*.md): Markdown with `${expression}` placeholders, as
// in a JavaScript template literal but kept in files of their own, so the prose reads as
// the page it becomes. Each expression is evaluated against the names the report passes.

/** The index just past the `}` that closes the `${` before `i` (strings and nested templates skipped). */
function closeOf(text, i) {
  let depth = 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "'" || c === '"') {
      i++;
      while (text[i] !== c) i += text[i] === '\\' ? 2 : 1;
    } else if (c === '`') {
      i++;
      while (text[i] !== '`') {
        if (text[i] === '\\') i += 2;
        else if (text[i] === '$' && text[i + 1] === '{') i = closeOf(text, i + 2);
        else i++;
      }
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
    i++;
  }
  throw new Error('template: a ${ that never closes');
}

/** The template's prose and expressions, in order: [prose, expression, prose, …, prose]. */
export function segments(text) {
  const parts = [];
  let from = 0;
  for (let i = text.indexOf('${'); i >= 0; i = text.indexOf('${', from)) {
    const end = closeOf(text, i + 2);
    parts.push(text.slice(from, i), text.slice(i + 2, end - 1));
    from = end;
  }
  parts.push(text.slice(from));
  return parts;
}

/** `text` with each `${expression}` replaced by its value, evaluated against `scope`'s names. */
export function render(text, scope) {
  const names = Object.keys(scope);
  const values = Object.values(scope);
  return segments(text)
    .map((part, k) => (k % 2 === 0 ? part : String(new Function(...names, `return (${part});`)(...values))))
    .join('');
}
