/**
 * The one place errors become responses: VerdictError → application/problem+json.
 * Anything unexpected is logged (without request bodies, which may hold tokens) and
 * answered 500 without internals.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { toProblem, VerdictError } from '../lib/errors';

export const PROBLEM_JSON = 'application/problem+json';

export function problemResponse(err: VerdictError, requestId?: string): Response {
  const headers = new Headers({ 'content-type': PROBLEM_JSON, 'cache-control': 'no-store' });
  if (requestId) headers.set('x-request-id', requestId);
  if (err.status === 401) {
    const reason = typeof err.extensions.reason === 'string' ? err.extensions.reason : undefined;
    headers.set(
      'www-authenticate',
      reason ? `Bearer error="invalid_token", error_description="${reason}"` : 'Bearer',
    );
  }
  if (err.status === 429 || err.status === 503) headers.set('retry-after', '1');
  return new Response(JSON.stringify(toProblem(err)), { status: err.status, headers });
}

export function toVerdictError(err: unknown): VerdictError {
  if (err instanceof VerdictError) return err;
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413) return new VerdictError('payload_too_large', 413, err.message);
    if (status === 400 && /JSON/i.test(err.message)) {
      return new VerdictError('malformed_json', 400, 'The request body is not valid JSON');
    }
    if (status === 400 && /Content-Type/i.test(err.message)) {
      return new VerdictError('unsupported_media_type', 415, 'Send the body as application/json');
    }
    if (status >= 400 && status < 500) return new VerdictError('bad_request', status, err.message);
  }
  return new VerdictError('internal', 500, 'An unexpected error occurred');
}

/** Any thrown value as its problem response; unexpected ones are logged first. */
export function errorResponse(err: unknown, requestId: string | undefined): Response {
  const verdictError = toVerdictError(err);
  if (verdictError.status >= 500 && verdictError.code === 'internal') {
    console.error(JSON.stringify({ level: 'error', requestId, error: String(err) }));
  }
  return problemResponse(verdictError, requestId);
}

export function onError(err: unknown, c: Context): Response {
  return errorResponse(err, c.get('requestId'));
}
