/** Errors as the console shows them: the problem document's title and detail, and its field errors. */
import { VerdictError } from '@verdict-authz/sdk';

export type ShownProblem = {
  title: string;
  detail: string;
  status: number;
  code: string;
  errors: { path: string; message: string }[];
};

export function toProblem(err: unknown): ShownProblem {
  if (err instanceof VerdictError) {
    const p = err.problem;
    return {
      title:
        typeof p.title === 'string' ? p.title : err.status === 0 ? 'Network error' : `HTTP ${err.status}`,
      detail: typeof p.detail === 'string' ? p.detail : err.message,
      status: err.status,
      code: err.code,
      errors: Array.isArray(p.errors) ? (p.errors as { path: string; message: string }[]) : [],
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { title: 'Error', detail: message, status: 0, code: 'client_error', errors: [] };
}
