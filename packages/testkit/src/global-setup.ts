/**
 * The root vitest `globalSetup`, run once per test run before any test file: makes the test data
 * available (test-data.ts: found in its documented order, else fetched and hash-checked, else one
 * message naming the files and where to put them), then starts one S3 server and one private
 * redis-server for the run, handed to tests as `inject('s3Endpoint')` and `inject('redisUrl')`, and
 * stopped at the end: nothing the tests write outlives the run, and a Redis on 6379 is left alone.
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startPrivateRedis } from './redis-server.js';
import { startS3Server } from './s3-server.js';
import { ensureTestData } from './test-data.js';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { downloaded } = await ensureTestData();
  if (downloaded.length > 0) process.stderr.write(`test data downloaded and verified: ${downloaded.join(', ')}\n`);
  const [s3, redis] = await Promise.all([startS3Server(), startPrivateRedis({ durable: false })]);
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('redisUrl', redis.url);
  return async () => {
    await Promise.all([s3.stop(), redis.stop()]);
  };
}
