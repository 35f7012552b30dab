import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomPrefix } from '@vadfleet/testkit/names';
import { createApiMetrics } from './create-metrics.js';
import { QueueDepthSampler } from './queue-depth-sampler.js';

let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  queue = new Queue('vad-jobs', { connection: redis, prefix: randomPrefix() });
});

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
});

describe('QueueDepthSampler', () => {
  it('samples job counts per state and live workers from a real BullMQ queue', async () => {
    await queue.add('detect', {});
    await queue.add('detect', {});
    await queue.add('detect', {}, { delay: 60_000 });
    const metrics = createApiMetrics({ defaultMetrics: false });
    await new QueueDepthSampler(queue, metrics, { intervalMs: 60_000, countWorkers: async () => 3 }).sampleOnce();
    const text = await metrics.registry.metrics();
    expect(text).toContain('vadfleet_queue_jobs{state="waiting"} 2');
    expect(text).toContain('vadfleet_queue_jobs{state="delayed"} 1');
    expect(text).toContain('vadfleet_queue_jobs{state="active"} 0');
    expect(text).toContain('vadfleet_workers_alive 3');
  });

  it('reports a failed sample and keeps the previous values', async () => {
    const metrics = createApiMetrics({ defaultMetrics: false });
    metrics.queueJobs.set({ state: 'waiting' }, 5);
    const errors: Error[] = [];
    const broken = { getJobCounts: async () => Promise.reject(new Error('Connection is closed.')) };
    await new QueueDepthSampler(broken, metrics, { intervalMs: 60_000, onError: (e) => errors.push(e) }).sampleOnce();
    expect(errors.map((e) => e.message)).toEqual(['Connection is closed.']);
    expect(await metrics.registry.metrics()).toContain('vadfleet_queue_jobs{state="waiting"} 5');
  });
});
