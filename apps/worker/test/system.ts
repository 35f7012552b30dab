/**
 * Fixtures for end-to-end tests: the API and workers as child processes (built dist/, as deployed)
 * against real Redis and s3rver, each test file with its own queue prefix and buckets.
 */
import { readFileSync } from 'node:fs';
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { MODEL_DIR, ServiceUnderTest } from '@vadfleet/testkit/service-under-test';
import type { AppProcess } from '@vadfleet/testkit/spawn-app';
import { exampleWavPath } from '@vadfleet/testkit/test-data';
import { WAV_FORMAT, wavData, wavFile } from '@vadfleet/testkit/wav';
import { s3rverClientConfig } from '@vadfleet/testkit/s3-server';

export { MODEL_DIR };
/** FunASR's segments for the example file (spec golden result). */
export const GOLDEN_SEGMENTS = [[70, 2340], [2620, 6200], [6480, 23670], [23950, 26250], [26780, 28990], [29950, 31430], [31750, 37600], [38210, 46900], [47310, 49630], [49910, 56460], [56740, 59540], [59820, 70450]];

export const exampleWav = (): Buffer => readFileSync(exampleWavPath());

const BYTES_PER_MS = 32; // 16 kHz, 16-bit mono

/** A 16 kHz mono PCM16 WAV around `pcm`. */
export function wav(pcm: Buffer): Buffer {
  return wavFile({ formatTag: WAV_FORMAT.pcm, channels: 1, sampleRate: 16_000, bitsPerSample: 16 }, pcm);
}

/** The example's PCM16 bytes: its `data` chunk (spec §3.2: other chunks follow it). */
const examplePcm = (): Buffer => wavData(exampleWav());

/** `durationMs` of the example's speech starting at `startMs` (wrapping around), as a WAV. */
export function exampleSlice(startMs: number, durationMs: number): Buffer {
  const pcm = examplePcm();
  const out = Buffer.alloc(durationMs * BYTES_PER_MS);
  for (let written = 0, from = (startMs * BYTES_PER_MS) % pcm.length; written < out.length; from = 0) {
    written += pcm.copy(out, written, from);
  }
  return wav(out);
}

export interface SystemOptions {
  redisUrl: string;
  s3Endpoint: string;
  /** S3 endpoint the workers use (a fault proxy), default `s3Endpoint`. */
  workerS3Endpoint?: string;
  workerEnv?: Record<string, string>;
}

export const API_KEY = 'test-key-0123456789abcdef';
export const TENANT = 'tenant-a';

/** The service with one tenant, and helpers that speak its REST API. */
export class System extends ServiceUnderTest {
  readonly store: ObjectStore;

  constructor(options: SystemOptions) {
    const store = new ObjectStore(createS3Client(s3rverClientConfig(options.s3Endpoint)));
    super({ ...options, buckets: store, apiKeys: `${API_KEY}:${TENANT}` });
    this.store = store;
  }

  private async request(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.api!.url}${path}`, { ...init, headers: { authorization: `Bearer ${API_KEY}`, ...init.headers } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** POST /v1/jobs as multipart upload; returns the job id. */
  async submitUpload(audio: Buffer, params?: Record<string, unknown>): Promise<string> {
    const form = new FormData();
    if (params) form.append('params', JSON.stringify(params));
    form.append('file', new Blob([new Uint8Array(audio)], { type: 'audio/wav' }), 'audio.wav');
    const res = await this.request('/v1/jobs', { method: 'POST', body: form });
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /** POST /v1/jobs naming an S3 object (with more of the body in `extra`, e.g. `output`); returns the job id. */
  async submitS3(bucket: string, key: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await this.request('/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { s3: { bucket, key } }, ...extra }) });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async job(id: string): Promise<any> {
    const res = await this.request(`/v1/jobs/${id}`);
    if (res.status !== 200) throw new Error(`GET job answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Polls until the job is completed, failed or cancelled. */
  async waitForJob(id: string, timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // 5xx (Redis restarting) or a refused connection are retried like a polling client would.
      const res = await this.request(`/v1/jobs/${id}`).catch(() => ({ status: 599, body: undefined }));
      if (res.status < 500 && res.status !== 200) throw new Error(`GET job answered ${res.status}: ${JSON.stringify(res.body)}`);
      const job = res.body;
      const settled = res.status === 200 && ['completed', 'failed', 'cancelled'].includes(job.status);
      if (settled) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job?.status ?? 'unknown'} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async result(id: string): Promise<any> {
    const res = await this.request(`/v1/jobs/${id}/result`);
    if (res.status !== 200) throw new Error(`GET result answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

/** The value of an unlabelled series (or the sum over labels matching `labels`) from a /metrics URL. */
export async function metricValue(metricsUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const lineLabels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => lineLabels[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

/** Completions of `jobId` logged by the given worker processes. */
export function completionsOf(workers: AppProcess[], jobId: string): number {
  return workers.flatMap((w) => w.lines).filter((l) => l.msg === 'job completed' && l.jobId === jobId).length;
}
