/**
 * The whole service for browser tests: API and one worker as child processes (built dist/, as
 * deployed) against the shared Redis and the run's s3rver, with a queue prefix and buckets of their own.
 */
import { join } from 'node:path';
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { randomBucket, randomPrefix } from '@vadfleet/testkit/names';
import { repoRoot, spawnApp, type AppProcess } from '@vadfleet/testkit/spawn-app';

export const MODEL_DIR = process.env.VAD_MODEL_DIR ?? join(repoRoot, '..', 'shared', 'models', 'fsmn-vad');
export const API_KEY = 'console-test-key-0123456789';

export class System {
  readonly prefix = randomPrefix('console');
  readonly uploadBucket = randomBucket('up');
  readonly resultsBucket = randomBucket('res');
  /** A caller's own bucket for batch input, allowed through S3_ALLOWED_BUCKETS. */
  readonly inputBucket = randomBucket('in');
  readonly store: ObjectStore;
  api?: AppProcess;
  worker?: AppProcess;

  constructor(private readonly options: { redisUrl: string; s3Endpoint: string }) {
    this.store = new ObjectStore(createS3Client({ endpoint: options.s3Endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true }));
  }

  private env(): Record<string, string> {
    return {
      REDIS_URL: this.options.redisUrl,
      QUEUE_PREFIX: this.prefix,
      S3_ENDPOINT: this.options.s3Endpoint,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
      UPLOAD_BUCKET: this.uploadBucket,
      RESULTS_BUCKET: this.resultsBucket,
      S3_ALLOWED_BUCKETS: this.inputBucket,
      LOG_LEVEL: 'info',
    };
  }

  async start(): Promise<void> {
    await Promise.all([this.uploadBucket, this.resultsBucket, this.inputBucket].map((b) => this.store.ensureBucket(b)));
    const echo = process.env.E2E_ECHO === '1';
    [this.api, this.worker] = await Promise.all([
      spawnApp('api', { ...this.env(), PORT: '0', HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '1000000', API_KEYS: `${API_KEY}:tenant-console` }, { echo }),
      spawnApp('worker', { ...this.env(), VAD_MODEL_DIR: MODEL_DIR, METRICS_PORT: '0', WORKER_CONCURRENCY: '1', INFERENCE_THREADS: '1' }, { echo }),
    ]);
  }

  async stop(): Promise<void> {
    for (const app of [this.worker, this.api]) {
      if (!app) continue;
      app.kill('SIGTERM');
      await app.exited;
    }
  }

  /** The worker's model runs so far (`vadfleet_inference_runs_total`). */
  async inferenceRuns(): Promise<number> {
    const text = await (await fetch(this.worker!.url)).text();
    const line = text.split('\n').find((l) => l.startsWith('vadfleet_inference_runs_total '));
    if (!line) throw new Error(`no vadfleet_inference_runs_total at ${this.worker!.url}`);
    return Number(line.split(' ')[1]);
  }
}
