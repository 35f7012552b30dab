/**
 * The batch tests' system: the API (two tenants, webhooks to loopback allowed) and workers as child
 * processes against real Redis and s3rver, plus a local webhook receiver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { ServiceUnderTest } from '@vadfleet/testkit/service-under-test';
import type { AppProcess } from '@vadfleet/testkit/spawn-app';
import { s3rverClientConfig } from '@vadfleet/testkit/s3-server';

export const TENANTS = { a: { key: 'batch-key-a-0123456789', tenant: 'tenant-a' }, b: { key: 'batch-key-b-0123456789', tenant: 'tenant-b' } } as const;
export const WEBHOOK_SECRET = 'whsec_batch_test_0123456789';

export interface ReceivedWebhook {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class BatchSystem extends ServiceUnderTest {
  readonly store: ObjectStore;
  readonly webhooks: ReceivedWebhook[] = [];
  private hookServer?: Server;

  constructor(options: { redisUrl: string; s3Endpoint: string }) {
    const store = new ObjectStore(createS3Client(s3rverClientConfig(options.s3Endpoint)));
    super({
      ...options,
      label: 'batch',
      buckets: store,
      apiKeys: `${TENANTS.a.key}:${TENANTS.a.tenant},${TENANTS.b.key}:${TENANTS.b.tenant}`,
      env: { WEBHOOK_ALLOWLIST: '127.0.0.1', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_SECRET },
      workerEnv: { BATCH_MAX_IN_FLIGHT_PER_TENANT: '4', BATCH_FEED_INTERVAL_MS: '100' },
    });
    this.store = store;
  }

  /** Starts the webhook receiver; resolves to its URL. */
  async startWebhookReceiver(): Promise<string> {
    this.hookServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.webhooks.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.hookServer!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.hookServer.address() as AddressInfo).port}/hooks/batch`;
  }

  override async stop(): Promise<void> {
    await super.stop();
    await new Promise((resolve) => (this.hookServer ? this.hookServer.close(resolve) : resolve(undefined)));
  }

  async upload(keys: string[], bodies: (i: number) => Buffer): Promise<void> {
    for (let i = 0; i < keys.length; i += 16) {
      await Promise.all(keys.slice(i, i + 16).map((key, j) => this.store.putBytes(this.inputBucket, key, bodies(i + j), 'audio/wav')));
    }
  }

  async request(path: string, init: RequestInit & { tenant?: keyof typeof TENANTS } = {}): Promise<{ status: number; text: string; body: any }> {
    const res = await fetch(`${this.api!.url}${path}`, { ...init, headers: { authorization: `Bearer ${TENANTS[init.tenant ?? 'a'].key}`, ...init.headers } });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, text, body };
  }

  async submitBatch(body: unknown, opts: { tenant?: keyof typeof TENANTS; idempotencyKey?: string } = {}): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    return this.request('/v1/batches', { method: 'POST', headers, body: JSON.stringify(body), tenant: opts.tenant });
  }

  /** Polls the batch until it is completed, cancelled or failed. */
  async waitForBatch(id: string, tenant: keyof typeof TENANTS = 'a', timeoutMs = 150_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.request(`/v1/batches/${id}`, { tenant });
      if (res.status !== 200) throw new Error(`GET batch answered ${res.status}: ${res.text}`);
      if (['completed', 'cancelled', 'failed'].includes(res.body.status)) return res.body;
      if (Date.now() > deadline) throw new Error(`batch ${id} still ${res.body.status} after ${timeoutMs} ms: ${res.text}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** `job started` lines of every worker, in order per worker. */
  starts(worker: AppProcess): { jobId: string; tenant: string }[] {
    return worker.lines.filter((l) => l.msg === 'job started').map((l) => ({ jobId: String(l.jobId), tenant: String(l.tenant) }));
  }
}

export function parseNdjson(text: string): any[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
