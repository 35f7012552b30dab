import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliverWebhook } from './deliver-webhook.js';
import { verifyWebhook } from './sign.js';
import type { LookupAll } from './url-guard.js';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

// A real HTTP server on loopback; the path picks its behaviour.
let server: http.Server;
let port: number;
const received: Received[] = [];
const hanging = new Set<http.ServerResponse>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === '/redirect') res.writeHead(302, { location: '/elsewhere' }).end();
      else if (req.url === '/fail') res.writeHead(500).end('boom');
      else if (req.url === '/hang') hanging.add(res);
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

const secret = 'whsec_delivery_test';
const body = JSON.stringify({ event: 'job.completed', jobId: 'j_1' });
const local = (path: string) => ({ url: `http://127.0.0.1:${port}${path}`, body, secret, allowlist: ['127.0.0.1'], timeoutMs: 5000 });

describe('deliverWebhook', () => {
  it('POSTs the body with a signature the receiver can verify (allowPrivate)', async () => {
    const result = await deliverWebhook({ ...local('/hook'), allowPrivate: true, nowSec: 1_760_000_000 });
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(result.error).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(0);

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request).toMatchObject({ method: 'POST', url: '/hook', body });
    expect(request.headers['content-type']).toBe('application/json');
    const signature = request.headers['vadfleet-signature'] as string;
    expect(verifyWebhook(secret, signature, request.body, { nowSec: 1_760_000_000 })).toEqual({ ok: true, timestampSec: 1_760_000_000 });
  });

  it('refuses a loopback endpoint without allowPrivate and sends nothing', async () => {
    const result = await deliverWebhook({ ...local('/hook'), allowPrivate: false });
    expect(result.ok).toBe(false);
    expect(result.status).toBeNull();
    expect(result.error).toMatchObject({ code: 'WEBHOOK_NOT_ALLOWED' });
    expect(result.error!.message).toMatch(/127\.0\.0\.1, a loopback address/);
    expect(received).toHaveLength(0);
  });

  it('connects to the vetted address without resolving the name again (pinning)', async () => {
    let lookups = 0;
    // hooks.invalid cannot resolve in real DNS, so reaching the server proves the pinned address was used.
    const lookup: LookupAll = async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const result = await deliverWebhook({
      ...local('/pinned'),
      url: `http://hooks.invalid:${port}/pinned`,
      allowlist: ['hooks.invalid'],
      allowPrivate: true,
      lookup,
    });
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(lookups).toBe(1);
    expect(received[0].headers.host).toBe(`hooks.invalid:${port}`);
  });

  it('does not follow redirects and reports non-2xx answers without an error', async () => {
    const redirect = await deliverWebhook({ ...local('/redirect'), allowPrivate: true });
    expect(redirect).toMatchObject({ ok: false, status: 302 });
    expect(redirect.error).toBeUndefined();
    expect(received.map((r) => r.url)).toEqual(['/redirect']);

    const failure = await deliverWebhook({ ...local('/fail'), allowPrivate: true });
    expect(failure).toMatchObject({ ok: false, status: 500 });
  });

  it('gives up after timeoutMs with TIMEOUT', async () => {
    const result = await deliverWebhook({ ...local('/hang'), allowPrivate: true, timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, status: null, error: { code: 'TIMEOUT' } });
  });

  it('reports a refused connection as a retryable INTERNAL error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const result = await deliverWebhook({ ...local('/'), url: `http://127.0.0.1:${closedPort}/`, allowPrivate: true });
    expect(result).toMatchObject({ ok: false, status: null, error: { code: 'INTERNAL' } });
    expect(result.error!.message).toMatch(/ECONNREFUSED/);
  });
});
