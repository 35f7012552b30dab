import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { randomPrefix } from '@vadfleet/testkit/names';
import { IdempotencyKeys } from './idempotency.js';

let redis: Redis;
beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis?.disconnect());

test('a key answers every later request with its first id; another request with it is a CONFLICT', async () => {
  const keys = new IdempotencyKeys(redis, randomPrefix());
  const created: string[] = [];
  const create = async (id: string) => void created.push(id);
  const request = { tenant: 't1', kind: 'job' as const, key: 'k-1', fingerprint: 'f' };
  expect(await keys.run(request, 'a', create)).toEqual({ id: 'a', replayed: false });
  expect(await keys.run(request, 'b', create)).toEqual({ id: 'a', replayed: true });
  await expect(keys.run({ ...request, fingerprint: 'other' }, 'c', create)).rejects.toMatchObject({ code: 'CONFLICT' });
  // Per tenant and per kind: the same key elsewhere is a new request.
  expect(await keys.run({ ...request, tenant: 't2' }, 'd', create)).toEqual({ id: 'd', replayed: false });
  expect(await keys.run({ ...request, kind: 'batch' }, 'e', create)).toEqual({ id: 'e', replayed: false });
  expect(await keys.run({ ...request, key: undefined }, 'f', create)).toEqual({ id: 'f', replayed: false });
  expect(created).toEqual(['a', 'd', 'e', 'f']);
});

test('a failed creation releases the key, so the client can retry with it', async () => {
  const keys = new IdempotencyKeys(redis, randomPrefix());
  const request = { tenant: 't1', kind: 'batch' as const, key: 'k-2', fingerprint: 'f' };
  await expect(keys.run(request, 'a', async () => Promise.reject(new Error('S3 down')))).rejects.toThrow('S3 down');
  expect(await keys.run(request, 'b', async () => undefined)).toEqual({ id: 'b', replayed: false });
});
