/**
 * The JSON editor: CodeMirror 6 with completion, hover and validation from one of the
 * contract's published JSON Schemas (/schemas/*.json, via codemirror-json-schema), known
 * attribute names offered inside "attribute" and "value_from_attribute", and an optional
 * async linter (the server's write-time check) whose errors and warnings are placed at
 * the rule and condition they name. The editor lives in a shadow root: there CodeMirror
 * (style-mod) adopts constructable stylesheets instead of inserting <style> elements,
 * which the page's CSP (style-src 'self', no 'unsafe-inline') would refuse.
 */
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { jsonLanguage } from '@codemirror/lang-json';
import { syntaxTree } from '@codemirror/language';
import { type Diagnostic, linter, lintGutter } from '@codemirror/lint';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import type { SyntaxNode } from '@lezer/common';
import { basicSetup } from 'codemirror';
import { jsonSchema } from 'codemirror-json-schema';
import { useEffect, useRef } from 'preact/hooks';

export type EditorIssue = { path: string; message: string; severity: 'error' | 'warning' };

/**
 * Where a dotted contract path (specification.rules.1.conditions.0.function) sits in the
 * text: the property (key and value) it names, or the nearest enclosing node that exists.
 * Walks the JSON syntax tree: objects by property name, arrays by element index.
 */
export function locate(state: EditorState, path: string): { from: number; to: number } {
  const tree = syntaxTree(state);
  let node: SyntaxNode | null = tree.topNode.firstChild; // the document's value
  let range = node ? { from: node.from, to: node.to } : { from: 0, to: Math.min(1, state.doc.length) };
  for (const part of path === '' ? [] : path.split('.')) {
    if (!node) break;
    let next: { range: { from: number; to: number }; value: SyntaxNode | null } | undefined;
    if (node.name === 'Object') {
      for (let prop = node.firstChild; prop; prop = prop.nextSibling) {
        if (prop.name !== 'Property') continue;
        const key = prop.firstChild;
        if (key && state.sliceDoc(key.from, key.to) === JSON.stringify(part)) {
          next = {
            range: { from: prop.from, to: prop.to },
            value: prop.lastChild === key ? null : prop.lastChild,
          };
          break;
        }
      }
    } else if (node.name === 'Array' && /^\d+$/.test(part)) {
      let index = 0;
      for (let item = node.firstChild; item; item = item.nextSibling) {
        if (item.name === '[' || item.name === ']' || item.name === ',' || item.type.isError) continue;
        if (index++ === Number(part)) {
          next = { range: { from: item.from, to: item.to }, value: item };
          break;
        }
      }
    }
    if (!next) break;
    range = next.range;
    node = next.value;
  }
  return { from: range.from, to: Math.min(range.to, range.from + 2000) };
}

/** Completes attribute names inside the string value of "attribute" or "value_from_attribute". */
function attributeCompletion(names: () => string[]) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const node = syntaxTree(ctx.state).resolveInner(ctx.pos, -1);
    if (node.name !== 'String') return null;
    const property = node.parent;
    const key = property?.firstChild;
    if (property?.name !== 'Property' || !key || key.name !== 'PropertyName') return null;
    const keyText = ctx.state.sliceDoc(key.from, key.to);
    if (keyText !== '"attribute"' && keyText !== '"value_from_attribute"') return null;
    return {
      from: node.from + 1,
      to: node.to - 1,
      options: names().map((label) => ({ label, type: 'variable', detail: 'attribute' })),
      validFor: /^[\w$:.-]*$/,
    };
  };
}

type Props = {
  label: string;
  /**
   * The text at mount. The editor owns its text afterwards (reported through onChange);
   * to replace it from outside (a loaded version, a rollback), remount it with a new key.
   * (Feeding every change back as a controlled value re-dispatched whole-document
   * replacements that sent CodeMirror's view sync into a loop.)
   */
  value: string;
  onChange: (text: string) => void;
  /** A JSON Schema: completion, hover and validation. */
  schema?: object | undefined;
  /** Attribute names to offer inside "attribute" values. */
  attributes?: string[];
  /** The server's check of the text (debounced by CodeMirror's linter). */
  check?: (text: string) => Promise<EditorIssue[]>;
  onSave?: () => void;
  minLines?: number;
};

export function JsonEditor({
  label,
  value,
  onChange,
  schema,
  attributes,
  check,
  onSave,
  minLines = 12,
}: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>();
  const latest = useRef({ onChange, attributes, check, onSave });
  latest.current = { onChange, attributes, check, onSave };

  useEffect(() => {
    const extensions: Extension[] = [
      basicSetup,
      schema ? jsonSchema(schema as never) : jsonLanguage,
      jsonLanguage.data.of({ autocomplete: attributeCompletion(() => latest.current.attributes ?? []) }),
      autocompletion({ activateOnTyping: true }),
      lintGutter(),
      linter(
        async (v): Promise<Diagnostic[]> => {
          const run = latest.current.check;
          if (!run) return [];
          const text = v.state.doc.toString();
          try {
            JSON.parse(text);
          } catch {
            return []; // the JSON parse linter reports it
          }
          const issues = await run(text).catch(() => []);
          if (v.state.doc.toString() !== text) return [];
          return issues.map((i) => ({
            ...locate(v.state, i.path),
            severity: i.severity,
            message: `${i.path}: ${i.message}`,
            source: 'Verdict',
          }));
        },
        { delay: 500 },
      ),
      keymap.of([
        {
          key: 'Mod-s',
          run: () => {
            latest.current.onSave?.();
            return true;
          },
        },
      ]),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) latest.current.onChange(u.state.doc.toString());
      }),
      EditorView.contentAttributes.of({ 'aria-label': label }),
      EditorView.theme({ '.cm-content': { minHeight: `${minLines * 1.4}em` } }),
    ];
    const shadow = host.current!.shadowRoot ?? host.current!.attachShadow({ mode: 'open' });
    shadow.replaceChildren();
    const parent = document.createElement('div');
    shadow.append(parent);
    view.current = new EditorView({
      parent,
      root: shadow,
      state: EditorState.create({ doc: value, extensions }),
    });
    return () => view.current?.destroy();
  }, [schema]);

  return <div class="editor" ref={host} />;
}
