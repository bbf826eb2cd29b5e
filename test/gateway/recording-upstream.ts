/// <reference types="node" />
// The app behind the gateway: records every request it receives (method, the raw request
// target as it arrived on the wire, headers) and answers 200 JSON. The lenient parser lets
// odd targets through, so the record shows what nginx forwarded rather than what Node accepts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type UpstreamRequest = {
  method: string;
  /** The request target exactly as nginx sent it. */
  url: string;
  /** Name/value pairs in arrival order, names as sent (duplicates kept). */
  rawHeaders: [string, string][];
  /** Every value of header `name` (case-insensitive), in arrival order. */
  header: (name: string) => string[];
};

export type RecordingUpstream = {
  url: string;
  requests: UpstreamRequest[];
  close: () => Promise<void>;
};

export async function startUpstream(): Promise<RecordingUpstream> {
  const requests: UpstreamRequest[] = [];
  const server = createServer({ insecureHTTPParser: true }, (req, res) => {
    const rawHeaders: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      rawHeaders.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      rawHeaders,
      header: (name) => rawHeaders.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v),
    });
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ served: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
