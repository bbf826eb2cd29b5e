/** Gives every request an id (the caller's `x-request-id` when sane) and echoes it. */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../types';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's id when sane, else a fresh one. */
export function requestIdFrom(incoming: string | null | undefined): string {
  return incoming && SANE_ID.test(incoming) ? incoming : `req_${crypto.randomUUID()}`;
}

export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', id);
    await next();
    c.res.headers.set('x-request-id', id);
  };
}
