/**
 * Typed errors. Every failure the API reports is a VerdictError with a stable `code`
 * and an HTTP `status`; the app's onError is the one place that turns them into
 * application/problem+json. Modelled on jose's errors: one base class, a subclass per
 * failure family, a human `detail`. The codes are the contract's closed ErrorCode union.
 */
import type { ErrorCode, FieldError } from '../contract/common';

export type { ErrorCode, FieldError };

const TITLES: Record<ErrorCode, string> = {
  bad_request: 'Bad request',
  malformed_json: 'Malformed JSON',
  validation_failed: 'Request validation failed',
  unauthorized: 'Unauthorized',
  invalid_token: 'Invalid token',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  precondition_failed: 'Precondition failed',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  invalid_policy: 'Invalid policy',
  invalid_provider: 'Invalid auth provider',
  window_too_large: 'Window too large',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
};

export class VerdictError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  /** Extra members for the problem document (e.g. `reason` for token failures). */
  readonly extensions: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    status: number,
    detail: string,
    opts: { errors?: FieldError[]; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.name = 'VerdictError';
    this.code = code;
    this.status = status;
    this.detail = detail;
    this.errors = opts.errors;
    this.extensions = opts.extensions ?? {};
  }

  get title(): string {
    return TITLES[this.code];
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new VerdictError('bad_request', 400, detail, errors ? { errors } : {});
export const unauthorized = (detail: string) => new VerdictError('unauthorized', 401, detail);
export const forbidden = (detail: string) => new VerdictError('forbidden', 403, detail);
export const notFound = (what: string) => new VerdictError('not_found', 404, `${what} not found`);
export const conflict = (detail: string) => new VerdictError('conflict', 409, detail);
export const unavailable = (detail: string) => new VerdictError('unavailable', 503, detail);

/** The problem+json document for an error (RFC 9457). */
export function toProblem(err: VerdictError, instance?: string): Record<string, unknown> {
  return {
    type: `https://verdict.dev/problems/${err.code}`,
    title: err.title,
    status: err.status,
    detail: err.detail,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...(err.errors ? { errors: err.errors } : {}),
    ...err.extensions,
  };
}
