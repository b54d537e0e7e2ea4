// A fault-injecting front for the local servers: an HTTP proxy that forwards to fauxqs or dynalite unless a
// fault rule matches the request, and then answers with an AWS-style error, resets the connection (before the
// answer, or in the middle of a streamed body), or accepts the connection and never answers (a black hole).
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultAction =
  /** An AWS error: S3 speaks XML (`Code`), JSON protocols `__type`. */
  | { error: { status: number; code: string; message?: string; protocol?: 'xml' | 'json' } }
  /** Destroy the socket before any answer. */
  | { reset: true }
  /** Forward, but destroy the socket after this many bytes of the response body. */
  | { resetAfterBytes: number }
  /** Accept and never answer. */
  | { blackHole: true };

export interface FaultRule {
  /** Which requests: method and path (+ query) as the proxy sees them, and the body for JSON protocols. */
  match: (req: { method: string; url: string; body: string; target?: string }) => boolean;
  action: FaultAction;
  /** How many matching requests it applies to (default: all). */
  times?: number;
}

export interface FaultProxy {
  url: string;
  rules: FaultRule[];
  /** Every request seen: method, url and whether a fault answered it. */
  requests: { method: string; url: string; faulted: boolean }[];
  stop(): Promise<void>;
}

function errorBody(e: { status: number; code: string; message?: string; protocol?: 'xml' | 'json' }): { type: string; body: string } {
  const message = e.message ?? `injected ${e.code}`;
  if (e.protocol === 'json') return { type: 'application/x-amz-json-1.0', body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${e.code}`, message }) };
  return {
    type: 'application/xml',
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`,
  };
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const to = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = { url: '', rules: [], requests: [], stop: async () => undefined };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const info = { method: req.method ?? 'GET', url: req.url ?? '/', body: body.toString('utf8'), target: String(req.headers['x-amz-target'] ?? '') };
      const rule = proxy.rules.find((r) => (r.times === undefined || r.times > 0) && r.match(info));
      proxy.requests.push({ method: info.method, url: info.url, faulted: !!rule && !('resetAfterBytes' in rule.action) });
      if (rule && rule.times !== undefined) rule.times--;
      const a = rule?.action;
      if (a && 'blackHole' in a) return; // never answer
      if (a && 'reset' in a) return void req.socket.destroy();
      if (a && 'error' in a) {
        const { type, body: text } = errorBody(a.error);
        res.writeHead(a.error.status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'x-amzn-errortype': a.error.code });
        return void res.end(text);
      }
      const up = httpRequest(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          if (a && 'resetAfterBytes' in a) {
            let sent = 0;
            upRes.on('data', (c: Buffer) => {
              const room = a.resetAfterBytes - sent;
              if (room <= 0) return;
              res.write(c.subarray(0, room));
              sent += Math.min(room, c.length);
              if (sent >= a.resetAfterBytes) setTimeout(() => req.socket.destroy(), 20);
            });
            return;
          }
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
