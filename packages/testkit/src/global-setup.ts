/**
 * A vitest `globalSetup`: one S3 server per test run (and the shared Redis), handed to tests as
 * `inject('s3Endpoint')` and `inject('redisUrl')`. Use it from a project config:
 * `globalSetup: ['@vadfleet/testkit/global-setup']` (build testkit first).
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { ensureRedis } from './redis-server.js';
import { startS3Server } from './s3-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [s3, redisUrl] = await Promise.all([startS3Server(), ensureRedis()]);
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('redisUrl', redisUrl);
  return () => s3.stop();
}
