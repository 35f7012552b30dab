/**
 * The service as deployed, for end-to-end tests: the API and workers as child processes (built dist/)
 * against a real Redis and S3 server, with a queue prefix and buckets of their own so test files can
 * share both servers. Workers get short lock and stall settings, so crash recovery takes seconds.
 */
import { randomBucket, randomPrefix } from './names.js';
import { s3rverAppEnv } from './s3-server.js';
import { spawnApp, type AppProcess } from './spawn-app.js';
import { fsmnModelDir } from './test-data.js';

/** The model files (test-data.ts). */
export const MODEL_DIR = fsmnModelDir();

/** E2E_ECHO=1 copies the apps' log lines to stderr. */
const echo = process.env.E2E_ECHO === '1';

/** What the fixture needs of an S3 client (platform's ObjectStore; testkit cannot import platform, whose tests use testkit). */
export interface BucketMaker {
  ensureBucket(name: string): Promise<void>;
}

export interface ServiceOptions {
  redisUrl: string;
  s3Endpoint: string;
  /** Creates the test's buckets on `s3Endpoint` (S3RVER credentials, path style). */
  buckets: BucketMaker;
  /** `API_KEYS` of the API: `key:tenant,…`. */
  apiKeys: string;
  /** S3 endpoint the workers use (a fault proxy, say); default `s3Endpoint`. */
  workerS3Endpoint?: string;
  /** Added to both apps' environment. */
  env?: Record<string, string>;
  /** Added to every worker's environment. */
  workerEnv?: Record<string, string>;
  /** Names the queue prefix, for reading Redis by eye. */
  label?: string;
}

export class ServiceUnderTest {
  readonly prefix: string;
  readonly uploadBucket = randomBucket('up');
  readonly resultsBucket = randomBucket('res');
  /** A caller's own bucket, allowed through S3_ALLOWED_BUCKETS. */
  readonly inputBucket = randomBucket('in');
  api?: AppProcess;
  readonly workers: AppProcess[] = [];

  constructor(readonly options: ServiceOptions) {
    this.prefix = randomPrefix(options.label ?? 'e2e');
  }

  private env(s3Endpoint: string): Record<string, string> {
    return {
      REDIS_URL: this.options.redisUrl,
      QUEUE_PREFIX: this.prefix,
      ...s3rverAppEnv(s3Endpoint),
      S3_ALLOWED_BUCKETS: this.inputBucket,
      UPLOAD_BUCKET: this.uploadBucket,
      RESULTS_BUCKET: this.resultsBucket,
      LOG_LEVEL: 'info',
      ...this.options.env,
    };
  }

  async startApi(env: Record<string, string> = {}): Promise<AppProcess> {
    await Promise.all([this.uploadBucket, this.resultsBucket, this.inputBucket].map((b) => this.options.buckets.ensureBucket(b)));
    this.api = await spawnApp('api', { ...this.env(this.options.s3Endpoint), PORT: '0', HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '1000000', MAX_CONCURRENT_UPLOADS: '256', API_KEYS: this.options.apiKeys, ...env }, { echo });
    return this.api;
  }

  async startWorker(env: Record<string, string> = {}): Promise<AppProcess> {
    const worker = await spawnApp('worker', {
      ...this.env(this.options.workerS3Endpoint ?? this.options.s3Endpoint),
      VAD_MODEL_DIR: MODEL_DIR,
      METRICS_PORT: '0',
      WORKER_CONCURRENCY: '2',
      INFERENCE_THREADS: '1',
      LOCK_DURATION_MS: '4000',
      STALLED_INTERVAL_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '20000',
      ...this.options.workerEnv,
      ...env,
    }, { echo });
    this.workers.push(worker);
    return worker;
  }

  /** Kills every app (tests that need a graceful stop send SIGTERM themselves first). */
  async stop(): Promise<void> {
    for (const app of [...this.workers, this.api]) {
      if (!app) continue;
      app.kill('SIGKILL');
      await app.exited;
    }
  }
}
