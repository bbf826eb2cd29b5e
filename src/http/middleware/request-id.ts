/** Gives every request an id (the caller's `x-request-id` when sane) and echoes it. */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../types';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const id = incoming && SANE_ID.test(incoming) ? incoming : `req_${crypto.randomUUID()}`;
    c.set('requestId', id);
    await next();
    c.res.headers.set('x-request-id', id);
  };
}
