import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import type {} from '@vadfleet/testkit/global-setup';
import { randomBucket, randomPrefix } from '@vadfleet/testkit/names';
import { s3rverAppEnv } from '@vadfleet/testkit/s3-server';
import { apiConfigSchema, parseConfig, type ApiConfig } from '@vadfleet/shared/config';
import { createApiMetrics } from '@vadfleet/platform/metrics';
import { createS3Client, s3ClientConfigOf, ObjectStore } from '@vadfleet/platform/object-store';
import { createDetectQueue, createRedis, type DetectQueue } from '@vadfleet/platform/queue';
import type { Redis } from 'ioredis';
import { buildApp } from '../src/app.js';

export const KEY_A = 'key-tenant-a-0123456789';
export const KEY_B = 'key-tenant-b-0123456789';
export const auth = (key = KEY_A) => ({ authorization: `Bearer ${key}` });

export interface Harness {
  app: FastifyInstance;
  config: ApiConfig;
  redis: Redis;
  queue: DetectQueue;
  objectStore: ObjectStore;
  /** A bucket in S3_ALLOWED_BUCKETS holding caller-owned input. */
  inputBucket: string;
  close(): Promise<void>;
}

/** The API built on real Redis and s3rver, isolated by a random queue prefix and random buckets. */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const inputBucket = randomBucket('in');
  const config = parseConfig(apiConfigSchema, {
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: randomPrefix('api'),
    ...s3rverAppEnv(inject('s3Endpoint')),
    S3_ALLOWED_BUCKETS: inputBucket,
    UPLOAD_BUCKET: randomBucket('up'),
    RESULTS_BUCKET: randomBucket('res'),
    API_KEYS: `${KEY_A}:tenant-a,${KEY_B}:tenant-b`,
    ...env,
  });
  const redis = createRedis(config.REDIS_URL);
  const s3 = createS3Client(s3ClientConfigOf(config));
  const objectStore = new ObjectStore(s3);
  for (const bucket of [config.UPLOAD_BUCKET, config.RESULTS_BUCKET, inputBucket]) await objectStore.ensureBucket(bucket);
  const queue = createDetectQueue(redis, { prefix: config.QUEUE_PREFIX });
  const app = await buildApp({ config, redis, queue, objectStore, metrics: createApiMetrics({ defaultMetrics: false }) });
  await app.ready();
  return {
    app,
    config,
    redis,
    queue,
    objectStore,
    inputBucket,
    async close() {
      await app.close();
      await queue.obliterate({ force: true });
      await queue.close();
      const keys = await redis.keys(`${config.QUEUE_PREFIX}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      s3.destroy();
    },
  };
}

/** A multipart/form-data body with optional `params` (first) and a `file`. */
export function multipartBody(file: Buffer, params?: unknown, paramsAfterFile = false): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----vadfleet${Math.random().toString(16).slice(2)}`;
  const paramsPart = params === undefined ? [] : [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="params"\r\n\r\n${typeof params === 'string' ? params : JSON.stringify(params)}\r\n`)];
  const filePart = [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="audio.wav"\r\nContent-Type: audio/wav\r\n\r\n`),
    file,
    Buffer.from('\r\n'),
  ];
  const parts = paramsAfterFile ? [...filePart, ...paramsPart] : [...paramsPart, ...filePart];
  const payload = Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
