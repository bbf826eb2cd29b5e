/// <reference types="node" />
// A byte-for-byte TCP relay between nginx and Verdict that keeps a copy of each exchange:
// the auth subrequest nginx actually sent (headers as on the wire) and Verdict's status and
// headers. It changes nothing it relays; it lets the test assert what Verdict was asked and
// why it answered (x-verdict-reason), which nginx does not show its client.
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { parseResponse } from './raw-http';

export type TappedExchange = {
  requestLine: string;
  /** Request headers as nginx sent them (names lowercased, duplicates kept). */
  request: Record<string, string[]>;
  /** Verdict's answer, once its head has passed through. */
  response?: { status: number; headers: Record<string, string[]> };
};

export type TcpTap = { port: number; exchanges: TappedExchange[]; close: () => Promise<void> };

function headOf(buf: Buffer): string | undefined {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return end < 0 ? undefined : text.slice(0, end + 4);
}

export async function startTap(targetPort: number): Promise<TcpTap> {
  const exchanges: TappedExchange[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let sent = Buffer.alloc(0);
    let received = Buffer.alloc(0);
    let exchange: TappedExchange | undefined;
    client.on('data', (chunk: Buffer) => {
      if (!exchange) {
        sent = Buffer.concat([sent, chunk]);
        const head = headOf(sent);
        if (head) {
          const [requestLine = '', ...rest] = head.split('\r\n');
          const parsed = parseResponse(`HTTP/1.1 200 X\r\n${rest.join('\r\n')}`);
          exchange = { requestLine, request: parsed.headers };
          exchanges.push(exchange);
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (exchange && !exchange.response) {
        received = Buffer.concat([received, chunk]);
        const head = headOf(received);
        if (head) {
          const { status, headers } = parseResponse(head);
          exchange.response = { status, headers };
        }
      }
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
