/**
 * What the service benchmarks share: where the model and the example are, the example's samples, a WAV
 * header writer, a bounded-concurrency loop, and the service itself on private servers.
 */
import { readFileSync } from 'node:fs';
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { startPrivateRedis } from '@vadfleet/testkit/redis-server';
import { startS3Server } from '@vadfleet/testkit/s3-server';
import { spawnApp } from '@vadfleet/testkit/spawn-app';

export const MODEL_DIR = process.env.VAD_MODEL_DIR ?? new URL('../models/fsmn-vad', import.meta.url).pathname;
export const EXAMPLE = process.env.BENCH_AUDIO ?? new URL('../../shared/audio/vad_example.wav', import.meta.url).pathname;

/** A WAV file's PCM16 samples: its `data` chunk, found by walking the RIFF chunks (others may follow it). */
export function readPcm16(path) {
  const bytes = readFileSync(path);
  for (let o = 12; o + 8 <= bytes.length; ) {
    const size = bytes.readUInt32LE(o + 4);
    if (bytes.toString('latin1', o, o + 4) === 'data') return new Int16Array(bytes.buffer.slice(bytes.byteOffset + o + 8, bytes.byteOffset + o + 8 + size));
    o += 8 + size + (size & 1);
  }
  throw new Error(`${path} has no data chunk`);
}

/** A buffer holding a canonical 44-byte WAV header followed by room for `dataBytes` of samples. */
export function wavBuffer({ formatTag, channels, sampleRate, bitsPerSample, dataBytes }) {
  const out = Buffer.alloc(44 + dataBytes);
  const blockAlign = (channels * bitsPerSample) / 8;
  out.write('RIFF', 0);
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVEfmt ', 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(formatTag, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * blockAlign, 28);
  out.writeUInt16LE(blockAlign, 32);
  out.writeUInt16LE(bitsPerSample, 34);
  out.write('data', 36);
  out.writeUInt32LE(dataBytes, 40);
  return out;
}

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
  const env = { REDIS_URL: redis.url, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_FORCE_PATH_STYLE: 'true', S3_ALLOWED_BUCKETS: bucket, LOG_LEVEL: 'info' };
  const apps = [];
  const stop = async () => {
    for (const app of apps) app.kill('SIGTERM');
    await Promise.all(apps.map((app) => app.exited));
    await Promise.all([s3.stop(), redis.stop()]);
  };
  try {
    const store = new ObjectStore(createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true }));
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
