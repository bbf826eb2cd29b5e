/// <reference types="node" />
// A raw HTTP/1.1 client over node:net: the request line and headers go out byte for byte
// (latin1, so '\xC3' is the byte C3), because fetch/undici would normalize the target
// (dot segments, backslashes, fragments, absolute form) before nginx ever saw it.
import { connect } from 'node:net';

export type RawResponse = { status: number; headers: Record<string, string[]>; body: string };

/** Sends `METHOD target HTTP/1.1` with `headers` and `Connection: close`; resolves on the server's close. */
export function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: [string, string][] = [],
  timeoutMs = 10_000,
): Promise<RawResponse> {
  const head = [`${method} ${target} HTTP/1.1`, 'Host: localhost', ...headers.map(([n, v]) => `${n}: ${v}`)];
  const bytes = Buffer.from(`${head.join('\r\n')}\r\nConnection: close\r\n\r\n`, 'latin1');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer to ${method} ${target}`)));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    // Never half-close: nginx takes a client's EOF as an abort and drops the proxied request.
    socket.on('end', () => {
      socket.destroy();
      try {
        resolve(parseResponse(Buffer.concat(chunks).toString('latin1')));
      } catch (err) {
        reject(err);
      }
    });
    socket.write(bytes);
  });
}

export function parseResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (!status) throw new Error(`bad status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] = [...(headers[name] ?? []), line.slice(colon + 1).trim()];
  }
  return { status: Number(status), headers, body: text.slice(end + 4) };
}
