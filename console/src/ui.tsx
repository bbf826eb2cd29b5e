/**
 * The console's small kit: loading and error states (every server error shows the problem
 * document's title and detail, and its field errors), labelled fields, async hooks, and
 * formatting. Plain elements with labels and roles, so every page is keyboard-usable.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type ShownProblem, toProblem } from './problem';

export type Async<T> = {
  data: T | undefined;
  error: ShownProblem | undefined;
  loading: boolean;
  reload: () => void;
};

/** Loads on mount and whenever `deps` change; `reload()` loads again. Stale answers are dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: ShownProblem; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === seq.current && setState({ data, loading: false }),
      (err) => mine === seq.current && setState({ error: toProblem(err), loading: false }),
    );
  }, [...deps, tick]);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: useCallback(() => setTick((t) => t + 1), []),
  };
}

/** A user action (a form submit, a button): busy while running, its error kept until the next run. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownProblem>();
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn();
    } catch (err) {
      setError(toProblem(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(undefined) };
}

type StringKeys<F> = { [K in keyof F]: F[K] extends string ? K : never }[keyof F];

/**
 * A form object in state: `set` merges a patch, `field(key)` is the value/onValue pair of
 * one string field, to spread into an InputField or TextField.
 */
export function useForm<F extends object>(initial: F | (() => F)) {
  const [form, setForm] = useState<F>(initial);
  const set = useCallback((patch: Partial<F>) => setForm((f) => ({ ...f, ...patch })), []);
  const field = (key: StringKeys<F>) => ({
    value: form[key] as string,
    onValue: (v: string) => set({ [key]: v } as Partial<F>),
  });
  return { form, setForm, set, field };
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

/** A server error: the problem's title and detail, and the fields it names. */
export function ProblemBox({ problem }: { problem: ShownProblem | undefined }) {
  if (!problem) return null;
  return (
    <div class="problem" role="alert">
      <strong class="problem-title">{problem.title}</strong>
      <span class="problem-detail">{problem.detail}</span>
      {problem.errors.length > 0 && (
        <ul>
          {problem.errors.map((e) => (
            <li key={`${e.path}:${e.message}`}>
              <code>{e.path || '(document)'}</code> {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Loading, error or content: the three states every loaded view has. */
export function Loaded<T>({
  state,
  children,
}: {
  state: Async<T>;
  children: (data: T) => ComponentChildren;
}) {
  if (state.error) return <ProblemBox problem={state.error} />;
  if (state.data === undefined) return <Loading />;
  return <>{children(state.data)}</>;
}

let ids = 0;
export const useId = (prefix: string) => useRef(`${prefix}-${++ids}`).current;

type FieldProps = {
  label: string;
  hint?: string;
  children: (id: string) => JSX.Element;
};
/** A labelled control: the label names the control it wraps (for screen readers and tests). */
export function Field({ label, hint, children }: FieldProps) {
  const id = useId('f');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(id)}
      {hint && <small class="muted">{hint}</small>}
    </div>
  );
}

type InputFieldProps = {
  label: string;
  hint?: string;
  value: string;
  onValue: (v: string) => void;
} & Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'id' | 'label'>;
/** A labelled single-line input reporting its value (every other input attribute passes through). */
export function InputField({ label, hint, value, onValue, ...rest }: InputFieldProps) {
  return (
    <Field label={label} {...(hint === undefined ? {} : { hint })}>
      {(id) => <input id={id} {...rest} value={value} onInput={(e) => onValue(e.currentTarget.value)} />}
    </Field>
  );
}

type TextFieldProps = {
  label: string;
  hint?: string;
  rows: number;
  value: string;
  onValue: (v: string) => void;
};
/** A labelled multi-line field for JSON and tokens: monospace, no spellcheck, no autocomplete. */
export function TextField({ label, hint, rows, value, onValue }: TextFieldProps) {
  return (
    <Field label={label} {...(hint === undefined ? {} : { hint })}>
      {(id) => (
        <textarea
          id={id}
          rows={rows}
          spellcheck={false}
          autoComplete="off"
          value={value}
          onInput={(e) => onValue(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1>{title}</h1>
      {children && <div class="actions">{children}</div>}
    </header>
  );
}

/** A column header: its text, or `{ hidden }` for a column named for screen readers only (row actions). */
export type Column = string | { hidden: string };

type TableProps = {
  columns: Column[];
  /** Read by screen readers (visually hidden). */
  caption?: string;
  /** The table's accessible name when it has no caption. */
  label?: string;
  class?: string;
  children: ComponentChildren;
};
/** A data table: scrolls sideways on narrow screens, header cells scoped to their columns. */
export function Table({ columns, caption, label, class: className, children }: TableProps) {
  return (
    <div class="table-wrap">
      <table aria-label={label} class={className}>
        {caption && <caption class="sr-only">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={typeof c === 'string' ? c : c.hidden}>
                {typeof c === 'string' ? c : <span class="sr-only">{c.hidden}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

export function Json({ value, label }: { value: unknown; label?: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must be reachable by keyboard (axe scrollable-region-focusable)
    <pre class="json" title={label} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function Badge({ decision }: { decision: 'Allow' | 'Deny' | string }) {
  return <span class={`badge ${decision === 'Allow' ? 'allow' : 'deny'}`}>{decision}</span>;
}

/** A datetime-local field's value as an ISO instant (undefined when empty or invalid). */
export const isoOf = (local: string): string | undefined => {
  if (!local) return undefined;
  const ms = new Date(local).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
};

export const formatTime = (ms: number | null | undefined) =>
  ms == null ? '—' : new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/** Parses a JSON text field: the value, or a message naming the field. */
export function parseJson(text: string, what: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Downloads text as a file (a Blob URL: nothing leaves the page). */
export function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
