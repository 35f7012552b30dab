import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

export interface FaultProxy {
  endpoint: string;
  port: number;
  /** Requests forwarded and requests answered 503 so far. */
  stats: { forwarded: number; failed: number };
  stop(): Promise<void>;
}

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed with the same seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICE_UNAVAILABLE = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code><Message>Injected fault</Message></Error>';

/**
 * An HTTP proxy in front of an S3 server that answers `503 ServiceUnavailable` to a seeded random
 * `failureRate` of requests and forwards the rest unchanged (Host header included, so SigV4 signatures
 * still verify). A failed request's body is drained first, as a real S3 would read it.
 */
export async function startFaultProxy(options: { target: string; failureRate: number; seed?: number }): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 1);
  const stats = { forwarded: 0, failed: 0 };

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    stats.forwarded++;
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    if (random() >= options.failureRate) return forward(req, res);
    stats.failed++;
    req.resume();
    req.on('end', () => {
      res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(SERVICE_UNAVAILABLE) });
      res.end(SERVICE_UNAVAILABLE);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stats,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
