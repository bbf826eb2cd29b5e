/// <reference types="node" />
// The body limit over a real socket, with Verdict in workerd (no Workers pool in between):
// a chunked body past 64 KB is answered 413, and the keep-alive connection it came on still
// carries the next request (a body abandoned part-read makes the runtime drop the connection,
// or a proxy in front answer the next request 503). Requests are raw bytes over one TCP
// connection, so the test controls framing and reuse exactly.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponse, type RawResponse } from './raw-http';
import { type RunningVerdict, startVerdict } from './verdict-in-workerd';

const ROOT_KEY = 'body-limit-root-key';
const WS = 'body-limit-test';

let verdict: RunningVerdict;

beforeAll(async () => {
  verdict = await startVerdict({ ROOT_API_KEY: ROOT_KEY, DEV_IDP: 'false', ALLOW_HTTP_ISSUERS: 'true' });
  const res = await fetch(`${verdict.url}/v1/workspaces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ROOT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: WS, name: 'Body limit' }),
  });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await verdict?.close();
});

/** One keep-alive HTTP/1.1 connection: send raw bytes, read one complete response at a time. */
class Connection {
  private buffer = Buffer.alloc(0);
  private closed: Error | undefined;
  private wake: (() => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    const end = (why: string) => () => {
      this.closed ??= new Error(why);
      this.wake?.();
    };
    socket.on('end', end('the server closed the connection'));
    socket.on('close', end('the connection closed'));
    socket.on('error', (err) => {
      this.closed ??= err;
      this.wake?.();
    });
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  async write(bytes: string | Buffer): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.socket.write(bytes, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Waits until `ready` finds a complete message in the buffer, or the connection ends. */
  private async until<T>(ready: () => T | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      if (this.closed) throw this.closed;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no complete response in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Reads one response (Content-Length or chunked body) off the connection. */
  read(timeoutMs = 10_000): Promise<RawResponse> {
    return this.until(() => {
      const text = this.buffer.toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      if (headEnd < 0) return undefined;
      const head = parseResponse(`${text.slice(0, headEnd)}\r\n\r\n`);
      let offset = headEnd + 4;
      let body: string;
      if (head.headers['transfer-encoding']?.some((v) => /chunked/i.test(v))) {
        body = '';
        for (;;) {
          const lineEnd = text.indexOf('\r\n', offset);
          if (lineEnd < 0) return undefined;
          const size = Number.parseInt(text.slice(offset, lineEnd), 16);
          if (text.length < lineEnd + 2 + size + 2) return undefined;
          body += text.slice(lineEnd + 2, lineEnd + 2 + size);
          offset = lineEnd + 2 + size + 2;
          if (size === 0) break;
        }
      } else {
        const length = Number(head.headers['content-length']?.[0] ?? 0);
        if (text.length < offset + length) return undefined;
        body = text.slice(offset, offset + length);
        offset += length;
      }
      this.buffer = this.buffer.subarray(offset);
      return { ...head, body: Buffer.from(body, 'latin1').toString('utf8') };
    }, timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

/** POST /authorize with `body` as chunked transfer-encoding, in 8 KB chunks. */
async function sendChunked(conn: Connection, body: string): Promise<void> {
  await conn.write(
    head([
      `POST /v1/workspaces/${WS}/authorize HTTP/1.1`,
      'Host: localhost',
      'Content-Type: application/json',
      'Transfer-Encoding: chunked',
    ]),
  );
  const bytes = Buffer.from(body, 'utf8');
  for (let i = 0; i < bytes.byteLength; i += 8192) {
    const chunk = bytes.subarray(i, i + 8192);
    await conn.write(
      Buffer.concat([Buffer.from(`${chunk.byteLength.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
    );
  }
  await conn.write('0\r\n\r\n');
}

/** A small, well-formed authorize request with Content-Length (no token: 401 token_missing). */
async function sendPlain(conn: Connection): Promise<void> {
  const body = JSON.stringify({ resource: 'orders', action: 'read' });
  await conn.write(
    head([
      `POST /v1/workspaces/${WS}/authorize HTTP/1.1`,
      'Host: localhost',
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
    ]) + body,
  );
}

const authorizeBody = (padBytes: number) =>
  JSON.stringify({ resource: 'orders', action: 'read', context: { pad: 'x'.repeat(padBytes) } });

function expectProblem(res: RawResponse, status: number, code: string) {
  expect(res.status, res.body.slice(0, 300)).toBe(status);
  expect(res.headers['content-type']?.[0]).toContain('application/problem+json');
  expect((JSON.parse(res.body) as { code: string }).code).toBe(code);
}

function expectTokenMissing(res: RawResponse) {
  expectProblem(res, 401, 'invalid_token');
  expect((JSON.parse(res.body) as { reason?: string }).reason).toBe('token_missing');
}

describe('a chunked body over the limit on a keep-alive connection', () => {
  it('~100 KB chunked → 413, and the next request on the same connection is answered normally', async () => {
    const conn = await Connection.open(verdict.port);
    try {
      await sendChunked(conn, authorizeBody(100 * 1024));
      expectProblem(await conn.read(), 413, 'payload_too_large');
      await sendPlain(conn);
      expectTokenMissing(await conn.read());
    } finally {
      conn.close();
    }
  });

  it('twin: 40 KB chunked is answered normally, and so is the next request', async () => {
    const conn = await Connection.open(verdict.port);
    try {
      await sendChunked(conn, authorizeBody(40 * 1024));
      expectTokenMissing(await conn.read());
      await sendPlain(conn);
      expectTokenMissing(await conn.read());
    } finally {
      conn.close();
    }
  });
});
