/**
 * The batch tests' system: the API (two tenants, webhooks to loopback allowed) and workers as child
 * processes against real Redis and s3rver, plus a local webhook receiver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { randomBucket, randomPrefix } from '@vadfleet/testkit/names';
import { spawnApp, type AppProcess } from '@vadfleet/testkit/spawn-app';
import { MODEL_DIR } from './system.js';

export const TENANTS = { a: { key: 'batch-key-a-0123456789', tenant: 'tenant-a' }, b: { key: 'batch-key-b-0123456789', tenant: 'tenant-b' } } as const;
export const WEBHOOK_SECRET = 'whsec_batch_test_0123456789';
const echo = process.env.E2E_ECHO === '1';

export interface ReceivedWebhook {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class BatchSystem {
  readonly prefix = randomPrefix('batch');
  readonly resultsBucket = randomBucket('res');
  readonly uploadBucket = randomBucket('up');
  readonly inputBucket = randomBucket('in');
  readonly store: ObjectStore;
  api?: AppProcess;
  readonly workers: AppProcess[] = [];
  readonly webhooks: ReceivedWebhook[] = [];
  private hookServer?: Server;

  constructor(private readonly options: { redisUrl: string; s3Endpoint: string }) {
    this.store = new ObjectStore(createS3Client({ endpoint: options.s3Endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true }));
  }

  private env(): Record<string, string> {
    return {
      REDIS_URL: this.options.redisUrl,
      QUEUE_PREFIX: this.prefix,
      S3_ENDPOINT: this.options.s3Endpoint,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ALLOWED_BUCKETS: this.inputBucket,
      UPLOAD_BUCKET: this.uploadBucket,
      RESULTS_BUCKET: this.resultsBucket,
      WEBHOOK_ALLOWLIST: '127.0.0.1',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_SECRET,
      LOG_LEVEL: 'info',
    };
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

  async startApi(): Promise<AppProcess> {
    await Promise.all([this.uploadBucket, this.resultsBucket, this.inputBucket].map((b) => this.store.ensureBucket(b)));
    this.api = await spawnApp('api', { ...this.env(), PORT: '0', HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '1000000', API_KEYS: `${TENANTS.a.key}:${TENANTS.a.tenant},${TENANTS.b.key}:${TENANTS.b.tenant}` }, { echo });
    return this.api;
  }

  async startWorker(env: Record<string, string> = {}): Promise<AppProcess> {
    const worker = await spawnApp('worker', {
      ...this.env(),
      VAD_MODEL_DIR: MODEL_DIR,
      METRICS_PORT: '0',
      WORKER_CONCURRENCY: '2',
      INFERENCE_THREADS: '1',
      LOCK_DURATION_MS: '4000',
      STALLED_INTERVAL_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '20000',
      BATCH_MAX_IN_FLIGHT_PER_TENANT: '4',
      BATCH_FEED_INTERVAL_MS: '100',
      ...env,
    }, { echo });
    this.workers.push(worker);
    return worker;
  }

  async stop(): Promise<void> {
    for (const app of [...this.workers, this.api]) {
      if (!app) continue;
      app.kill('SIGKILL');
      await app.exited;
    }
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
