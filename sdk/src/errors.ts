/** The SDK's typed error: the HTTP status and the problem document from Verdict. */
import type { Problem } from './contract';

/** A problem document as received (transport failures have only `code` and `detail`). */
export type ReceivedProblem = Omit<Partial<Problem>, 'code'> & {
  code?: string;
  detail?: string;
  [key: string]: unknown;
};

export class VerdictError extends Error {
  readonly status: number;
  readonly problem: ReceivedProblem;
  /** Stable machine code: the problem's `code`, or `timeout` / `network_error` for transport failures. */
  readonly code: string;

  constructor(status: number, problem: ReceivedProblem) {
    super(problem.detail ?? problem.title ?? `Verdict answered ${status}`);
    this.name = 'VerdictError';
    this.status = status;
    this.problem = problem;
    this.code = problem.code ?? (status === 0 ? 'network_error' : `http_${status}`);
  }

  /** For a refused token: token_expired, audience_mismatch, unknown_issuer, … */
  get reason(): string | undefined {
    return typeof this.problem.reason === 'string' ? this.problem.reason : undefined;
  }
}
