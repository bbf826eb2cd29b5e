/**
 * Request body limit and JSON well-formedness, before any handler runs.
 * The limit is enforced on the bytes actually read, not on Content-Length, so a
 * missing or lying header changes nothing; a declared length over the limit is refused
 * without reading. Malformed JSON is a 400 here, so no handler sees it.
 */
import type { MiddlewareHandler } from 'hono';
import { VerdictError } from '../../lib/errors';
import type { AppEnv } from '../types';

export const MAX_BODY_BYTES = 64 * 1024;

const tooLarge = () =>
  new VerdictError('payload_too_large', 413, `The request body exceeds ${MAX_BODY_BYTES} bytes`);

export async function readLimited(
  body: ReadableStream<Uint8Array>,
  max: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export function bodyLimit(max = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = c.req.raw;
    if (raw.method === 'GET' || raw.method === 'HEAD' || raw.body === null) return next();
    const declared = raw.headers.get('content-length');
    if (declared !== null && Number(declared) > max) throw tooLarge();
    const bytes = await readLimited(raw.body, max);
    const type = raw.headers.get('content-type') ?? '';
    if (bytes.byteLength > 0 && /^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
      try {
        JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch {
        throw new VerdictError('malformed_json', 400, 'The request body is not valid JSON');
      }
    }
    c.req.raw = new Request(raw, { body: bytes });
    await next();
  };
}
