import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { randomPrefix } from '@vadfleet/testkit/names';
import { listLiveWorkers, startHeartbeat } from './redis-heartbeat.js';

let redis: Redis;
beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis?.disconnect());

test('a heartbeat lists the worker with a TTL until it is stopped', async () => {
  const prefix = randomPrefix();
  expect(await listLiveWorkers(redis, prefix)).toEqual([]);
  const a = await startHeartbeat(redis, prefix, 'worker-a', { concurrency: 4 }, { ttlSeconds: 30 });
  const b = await startHeartbeat(redis, prefix, 'worker-b', {}, { ttlSeconds: 30 });
  expect((await listLiveWorkers(redis, prefix)).sort()).toEqual(['worker-a', 'worker-b']);
  const ttl = await redis.ttl(`${prefix}:workers:worker-a`);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(30);
  expect(JSON.parse((await redis.get(`${prefix}:workers:worker-a`))!)).toMatchObject({ concurrency: 4 });
  await a.stop();
  expect(await listLiveWorkers(redis, prefix)).toEqual(['worker-b']);
  await b.stop();
});

test('a worker whose heartbeat expired (crashed) is not listed, and its entry is pruned', async () => {
  const prefix = randomPrefix();
  const liveWorkers = `${prefix}:live-workers`;
  await redis.zadd(liveWorkers, Date.now() - 1, 'crashed');
  const beat = await startHeartbeat(redis, prefix, 'alive', {}, { ttlSeconds: 30 });
  expect(await listLiveWorkers(redis, prefix)).toEqual(['alive']);
  expect(await redis.zrange(liveWorkers, 0, -1)).toEqual(['alive']);
  await beat.stop();
  expect(await redis.exists(liveWorkers)).toBe(0);
});

