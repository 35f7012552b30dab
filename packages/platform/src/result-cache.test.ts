import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { randomPrefix } from '@vadfleet/testkit/names';
import { resolveVadParams } from '@vadfleet/shared/vad-params';
import { ResultCache } from './result-cache.js';

let redis: Redis;
beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis?.disconnect());

const fp = { modelSha256: 'a'.repeat(64), params: resolveVadParams() };
const entry = { result: { bucket: 'results', key: 'results/t1/job1.json' }, durationMs: 1000, channels: 1 };
const object = { bucket: 'in', key: 'a.wav', etag: '"e1"', size: 10 };

test('an entry is found under each identity it was stored with, and only those', async () => {
  const cache = new ResultCache(redis, { prefix: randomPrefix(), ttlSeconds: 60, scope: 'tenant' });
  const byObject = cache.objectIdentity('t1', object, fp);
  const byContent = cache.contentIdentity('t1', 'f'.repeat(64), fp);
  await cache.put([byObject, byContent], entry);
  expect(await cache.get(byObject)).toEqual(entry);
  expect(await cache.get(byContent)).toEqual(entry);
  // Another ETag, other parameters, another model or another tenant: different identities.
  expect(await cache.get(cache.objectIdentity('t1', { ...object, etag: '"e2"' }, fp))).toBeNull();
  expect(await cache.get(cache.contentIdentity('t1', 'f'.repeat(64), { ...fp, params: resolveVadParams({ preset: 'lecture' }) }))).toBeNull();
  expect(await cache.get(cache.contentIdentity('t1', 'f'.repeat(64), { ...fp, modelSha256: 'b'.repeat(64) }))).toBeNull();
  expect(await cache.get(cache.contentIdentity('t2', 'f'.repeat(64), fp))).toBeNull();
});

test('global scope shares entries across tenants; ttl 0 disables the cache', async () => {
  const prefix = randomPrefix();
  const global = new ResultCache(redis, { prefix, ttlSeconds: 60, scope: 'global' });
  await global.put([global.contentIdentity('t1', 'c'.repeat(64), fp)], entry);
  expect(await global.get(global.contentIdentity('t2', 'c'.repeat(64), fp))).toEqual(entry);

  const off = new ResultCache(redis, { prefix, ttlSeconds: 0, scope: 'global' });
  await off.put([off.contentIdentity('t1', 'd'.repeat(64), fp)], entry);
  expect(await global.get(global.contentIdentity('t1', 'd'.repeat(64), fp))).toBeNull();
});

test('entries carry the ttl, and garbage under a key reads as a miss', async () => {
  const prefix = randomPrefix();
  const cache = new ResultCache(redis, { prefix, ttlSeconds: 60, scope: 'tenant' });
  const id = cache.contentIdentity('t1', 'e'.repeat(64), fp);
  await cache.put([id], entry);
  expect(await redis.ttl(`${prefix}:cache:${id}`)).toBeGreaterThan(0);
  await redis.set(`${prefix}:cache:${id}`, 'not json');
  expect(await cache.get(id)).toBeNull();
  await redis.del(`${prefix}:cache:${id}`);
});
