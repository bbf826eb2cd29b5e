// Small helpers for integration tests: call the Worker in-process (no network) and
// create workspaces through the public API, exactly as a user would.
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';

export const ROOT = 'test-root-key';
export const BASE = 'http://verdict.test';

export type Json = Record<string, unknown>;

export async function call(
  method: string,
  path: string,
  opts: { key?: string; body?: unknown; raw?: BodyInit; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(opts.headers);
  if (opts.key) headers.set('authorization', `Bearer ${opts.key}`);
  let body: BodyInit | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  return exports.default.fetch(new Request(`${BASE}${path}`, { method, headers, body }));
}

export async function json<T = Json>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

let counter = 0;
/** A fresh workspace (unique id per call) and its admin key. */
export async function createWorkspace(timezone?: string): Promise<{ ws: string; adminKey: string }> {
  counter++;
  const ws = `ws-${Date.now().toString(36)}-${counter}-${Math.floor(Math.random() * 1e6)}`;
  const res = await call('POST', '/v1/workspaces', {
    key: ROOT,
    body: { id: ws, name: `Test ${counter}`, ...(timezone ? { timezone } : {}) },
  });
  expect(res.status).toBe(201);
  const body = await json<{ data: { apiKey: { key: string } } }>(res);
  return { ws, adminKey: body.data.apiKey.key };
}

export async function expectProblem(res: Response, status: number, code?: string): Promise<Json> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.headers.get('x-request-id')).toBeTruthy();
  const problem = await json(res);
  expect(problem.status).toBe(status);
  if (code) expect(problem.code).toBe(code);
  return problem;
}
