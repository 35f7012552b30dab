import { afterAll, describe, expect, inject, it } from 'vitest';
import type {} from '@vadfleet/testkit/global-setup';
import { randomPrefix } from '@vadfleet/testkit/names';
import { startPrivateRedis } from '@vadfleet/testkit/redis-server';
import { DETECT_JOB_NAME, newJobId, queueKeys, type DetectJobData } from '@vadfleet/shared/queue';
import { resolveVadParams } from '@vadfleet/shared/vad-params';
import { assertNoEviction, createDetectQueue, createRedis } from '../src/queue.js';
import { isCancellationRequested, requestCancellation, subscribeCancellations } from '../src/cancel-signal.js';

describe('queue adapter against Redis', () => {
  const redis = createRedis(inject('redisUrl'));
  afterAll(() => redis.quit());

  it('accepts noeviction and explains any other policy', async () => {
    // A private server, so changing its policy cannot disturb tests sharing the common Redis.
    const server = await startPrivateRedis();
    const own = createRedis(server.url);
    try {
      await assertNoEviction(own);
      await own.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await expect(assertNoEviction(own)).rejects.toThrow(/allkeys-lru.*noeviction.*BullMQ/s);
    } finally {
      await own.quit();
      await server.stop();
    }
  });

  it('creates a queue under the prefix with the deliberate job options', async () => {
    const prefix = randomPrefix();
    const queue = createDetectQueue(redis, { prefix });
    try {
      const data: DetectJobData = {
        tenant: 't',
        input: { bucket: 'in-bucket', key: 'k' },
        params: resolveVadParams(),
        output: { bucket: 'out-bucket', prefix: 'results' },
        acceptedAt: Date.now(),
        source: 's3',
      };
      const id = newJobId();
      const job = await queue.add(DETECT_JOB_NAME, data, { jobId: id });
      expect(job.id).toBe(id);
      expect(job.opts.attempts).toBe(5);
      expect(job.opts.backoff).toEqual({ type: 'exponential', delay: 1000 });
      expect(await redis.exists(`${prefix}:vad-jobs:${id}`)).toBe(1);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('delivers a cancellation by flag and by message', async () => {
    const prefix = randomPrefix();
    const sub = redis.duplicate();
    const seen: string[] = [];
    const unsubscribe = await subscribeCancellations(sub, prefix, (id) => seen.push(id));
    try {
      await requestCancellation(redis, prefix, 'job-1');
      expect(await isCancellationRequested(redis, prefix, 'job-1')).toBe(true);
      expect(await isCancellationRequested(redis, prefix, 'job-2')).toBe(false);
      expect(await redis.ttl(queueKeys(prefix).cancel('job-1'))).toBeGreaterThan(3000);
      await expect.poll(() => seen).toEqual(['job-1']);
    } finally {
      await unsubscribe();
      await sub.quit();
      await redis.del(queueKeys(prefix).cancel('job-1'));
    }
  });
});

