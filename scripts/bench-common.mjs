/**
 * What the service benchmarks share: where the model and the example are, a bounded-concurrency loop,
 * and the service itself on private servers. WAV reading and writing come from testkit's `wav`.
 */
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { startPrivateRedis } from '@vadfleet/testkit/redis-server';
import { s3rverAppEnv, s3rverClientConfig, startS3Server } from '@vadfleet/testkit/s3-server';
import { spawnApp } from '@vadfleet/testkit/spawn-app';

export const MODEL_DIR = process.env.VAD_MODEL_DIR ?? new URL('../models/fsmn-vad', import.meta.url).pathname;
export const EXAMPLE = process.env.BENCH_AUDIO ?? new URL('../../shared/audio/vad_example.wav', import.meta.url).pathname;

/** Runs `task(i)` for i in [0, n) with at most `limit` at once. */
export async function pool(n, limit, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

export const API_KEY = 'bench-key-0123456789abcdef';

/**
 * A private redis-server and s3rver, `stage(store)` run on them (untimed uploads into `bucket`, which the
 * API allows), then the API and one worker with `workerEnv`. `stop()` ends all of it; a failed start
 * stops what had started.
 */
export async function startBenchService({ bucket, stage, workerEnv }) {
  const [s3, redis] = await Promise.all([startS3Server(), startPrivateRedis()]);
  const env = { REDIS_URL: redis.url, ...s3rverAppEnv(s3.endpoint), S3_ALLOWED_BUCKETS: bucket, LOG_LEVEL: 'info' };
  const apps = [];
  const stop = async () => {
    for (const app of apps) app.kill('SIGTERM');
    await Promise.all(apps.map((app) => app.exited));
    await Promise.all([s3.stop(), redis.stop()]);
  };
  try {
    const store = new ObjectStore(createS3Client(s3rverClientConfig(s3.endpoint)));
    await store.ensureBucket(bucket);
    await stage(store);
    const api = await spawnApp('api', { ...env, PORT: '0', API_KEYS: `${API_KEY}:bench`, RATE_LIMIT_PER_MINUTE: '100000' });
    apps.push(api);
    const worker = await spawnApp('worker', { ...env, VAD_MODEL_DIR: MODEL_DIR, METRICS_PORT: '0', ...workerEnv });
    apps.push(worker);
    return { api, worker, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
