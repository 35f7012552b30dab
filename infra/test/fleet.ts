/**
 * The service as the Kubernetes and managed-Redis tests run it: the API and workers as child processes
 * (built dist/) on a given Redis and a real s3rver, with short calls cut from the example recording
 * and helpers that speak the REST API.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { s3rverClientConfig } from '@vadfleet/testkit/s3-server';
import { ServiceUnderTest } from '@vadfleet/testkit/service-under-test';
import type { AppProcess } from '@vadfleet/testkit/spawn-app';
import { WAV_FORMAT, wavData, wavFile } from '@vadfleet/testkit/wav';
import { repoRoot } from './repo-files.js';

export const API_KEY = 'fleet-test-key-0123456789';
const BYTES_PER_MS = 32; // 16 kHz, 16-bit mono

let examplePcm: Buffer | undefined;

/**
 * A call of `durationMs` cut from the example recording at an offset that depends on `i`, so calls
 * differ (no result-cache hits between them).
 */
export function shortCall(i: number, durationMs = 2000): Buffer {
  examplePcm ??= wavData(readFileSync(resolve(repoRoot, '../shared/audio/vad_example.wav')));
  const out = Buffer.alloc(durationMs * BYTES_PER_MS);
  for (let written = 0, from = (i * 211 * BYTES_PER_MS) % examplePcm.length; written < out.length; from = 0) {
    written += examplePcm.copy(out, written, from);
  }
  return wavFile({ formatTag: WAV_FORMAT.pcm, channels: 1, sampleRate: 16_000, bitsPerSample: 16 }, out);
}

export interface FleetOptions {
  redisUrl: string;
  s3Endpoint: string;
  /** Added to both apps' environment (the Redis topology variables, say). */
  env?: Record<string, string>;
  workerEnv?: Record<string, string>;
  label?: string;
}

export class Fleet extends ServiceUnderTest {
  readonly store: ObjectStore;

  constructor(options: FleetOptions) {
    const store = new ObjectStore(createS3Client(s3rverClientConfig(options.s3Endpoint)));
    super({ ...options, buckets: store, apiKeys: `${API_KEY}:fleet` });
    this.store = store;
  }

  /** Uploads `count` short calls under `prefix` in the caller's bucket; returns their keys. */
  async uploadCalls(prefix: string, count: number, durationMs = 2000): Promise<string[]> {
    const keys = Array.from({ length: count }, (_, i) => `${prefix}call-${String(i).padStart(4, '0')}.wav`);
    for (let i = 0; i < keys.length; i += 16) {
      await Promise.all(keys.slice(i, i + 16).map((key, j) => this.store.putBytes(this.inputBucket, key, shortCall(i + j, durationMs), 'audio/wav')));
    }
    return keys;
  }

  /** A REST call; a refused connection or a 5xx (Redis failing over) comes back as status 599 or the 5xx. */
  async request(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
    try {
      const res = await fetch(`${this.api!.url}${path}`, { ...init, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...init.headers } });
      const text = await res.text();
      return { status: res.status, body: res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text };
    } catch {
      return { status: 599, body: undefined };
    }
  }

  async submitS3(key: string): Promise<string> {
    const res = await this.request('/v1/jobs', { method: 'POST', body: JSON.stringify({ input: { s3: { bucket: this.inputBucket, key } } }) });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async submitBatch(prefix: string): Promise<string> {
    const res = await this.request('/v1/batches', { method: 'POST', body: JSON.stringify({ input: { s3: { bucket: this.inputBucket, prefix } } }) });
    if (res.status !== 202) throw new Error(`batch submit answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /** Polls until `path` answers a settled status (5xx and refused connections are retried). */
  private async waitSettled(path: string, timeoutMs: number): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.request(path);
      if (res.status < 500 && res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      if (res.status === 200 && ['completed', 'failed', 'cancelled'].includes(res.body.status)) return res.body;
      if (Date.now() > deadline) throw new Error(`${path} still ${res.body?.status ?? res.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  waitForJob(id: string, timeoutMs = 120_000): Promise<any> {
    return this.waitSettled(`/v1/jobs/${id}`, timeoutMs);
  }

  waitForBatch(id: string, timeoutMs = 120_000): Promise<any> {
    return this.waitSettled(`/v1/batches/${id}`, timeoutMs);
  }
}

/** How many times each job id was logged as completed by these workers. */
export function completionCounts(workers: AppProcess[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of workers.flatMap((w) => w.lines)) {
    if (line.msg === 'job completed') counts.set(String(line.jobId), (counts.get(String(line.jobId)) ?? 0) + 1);
  }
  return counts;
}
