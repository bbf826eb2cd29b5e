/**
 * Request body limit, before any handler runs. The limit is enforced on the bytes
 * actually read, not on Content-Length, so a missing or lying header changes nothing;
 * a declared length over the limit is refused without reading. Bodies must be
 * application/json (415 otherwise) and valid UTF-8.
 */
import type { MiddlewareHandler } from 'hono';
import { VerdictError } from '../../lib/errors';
import { jsonTextShape } from '../../lib/json-depth';
import type { AppEnv } from '../types';

export const MAX_BODY_BYTES = 64 * 1024;
/**
 * The shape of any JSON body, checked by one text scan before anything parses it:
 * nesting (the deepest legitimate shape, a `where`, needs ~20), distinct object keys (a
 * policy document uses about 10; V8 builds a hidden class per distinct key) and objects
 * plus arrays (the largest 64 KB policy document holds ~1,500; each costs JSON.parse
 * 50–150 ns, so 64 KB of tiny objects would cost a millisecond).
 */
export const BODY_SHAPE = { depth: 32, keys: 1000, containers: 2048 } as const;

/** The shape limits of a JSON body, as a 400, before anything parses it. */
export function assertBodyShape(text: string): void {
  const problem = jsonTextShape(text, BODY_SHAPE);
  if (problem === 'depth')
    throw new VerdictError(
      'bad_request',
      400,
      `The request body nests deeper than ${BODY_SHAPE.depth} levels`,
    );
  if (problem === 'keys')
    throw new VerdictError(
      'bad_request',
      400,
      `The request body uses more than ${BODY_SHAPE.keys} distinct keys`,
    );
  if (problem === 'containers')
    throw new VerdictError(
      'bad_request',
      400,
      `The request body holds more than ${BODY_SHAPE.containers} objects and arrays`,
    );
}

const tooLarge = () =>
  new VerdictError('payload_too_large', 413, `The request body exceeds ${MAX_BODY_BYTES} bytes`);

/** Past the limit, at most this much more of a refused body is read and dropped. */
export const DRAIN_MAX_BYTES = 1024 * 1024;
export const DRAIN_MAX_MS = 1000;

/**
 * Reads and drops the rest of a refused body, within DRAIN_MAX_BYTES and DRAIN_MAX_MS, so
 * the 413 goes out on a request read to its end and the connection can carry the next
 * one. A body abandoned part-read makes workerd close the connection (it drains at most
 * 64 KB itself), Miniflare's entry worker break it, and wrangler dev's proxy answer the
 * next POST from anyone with a 503 (workerd#1741, workers-sdk#15709). Past either bound
 * the stream is cancelled.
 */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), DRAIN_MAX_MS);
  });
  try {
    for (let left = DRAIN_MAX_BYTES; left >= 0; ) {
      const next = await Promise.race([reader.read(), timeout]);
      if (next === null) break;
      if (next.done) return;
      left -= next.value.byteLength;
    }
    await reader.cancel().catch(() => {});
  } finally {
    clearTimeout(timer);
  }
}

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
      await discardRest(reader);
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

export const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

/**
 * The declared Content-Length when it is plain digits (the runtime then reads exactly
 * that many bytes, so the body can be read in one call and re-checked), else null.
 */
export function honestLength(headers: Headers): number | null {
  const declared = headers.get('content-length');
  return declared !== null && /^\d+$/.test(declared) ? Number(declared) : null;
}

export function bodyLimit(max = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = c.req.raw;
    if (raw.method === 'GET' || raw.method === 'HEAD' || raw.body === null) return next();
    const declared = raw.headers.get('content-length');
    if (declared !== null && Number(declared) > max) throw tooLarge();
    // The size is checked again after reading, so a lying header still ends in 413.
    const bytes =
      honestLength(raw.headers) !== null
        ? new Uint8Array(await raw.arrayBuffer())
        : await readLimited(raw.body, max);
    if (bytes.byteLength > max) throw tooLarge();
    if (bytes.byteLength > 0 && !JSON_TYPE.test(raw.headers.get('content-type') ?? '')) {
      throw new VerdictError('unsupported_media_type', 415, 'Send the body as application/json');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new VerdictError('malformed_json', 400, 'The request body is not valid UTF-8');
    }
    // Refused before any parser or validator works on it (a stack overflow is a 500).
    assertBodyShape(text);
    // Hand the bytes read to Hono's body cache: validators parse this text once, and
    // the stream is never read twice. Malformed JSON surfaces there as a 400.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    c.set('bodyText', text);
    await next();
  };
}
