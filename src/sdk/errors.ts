/** The SDK's typed error: the HTTP status and the problem document from Verdict. */
export type Problem = {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  /** For token refusals: token_expired, audience_mismatch, unknown_issuer, … */
  reason?: string;
  errors?: { path: string; message: string }[];
  [key: string]: unknown;
};

export class VerdictError extends Error {
  readonly status: number;
  readonly problem: Problem;
  /** Stable machine code: the problem's `code`, or `timeout` / `network_error` for transport failures. */
  readonly code: string;

  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `Verdict answered ${status}`);
    this.name = 'VerdictError';
    this.status = status;
    this.problem = problem;
    this.code = problem.code ?? (status === 0 ? 'network_error' : `http_${status}`);
  }

  get reason(): string | undefined {
    return this.problem.reason;
  }
}
