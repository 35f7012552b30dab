import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { randomPrefix } from '@vadfleet/testkit/names';
import { queueKeys } from '@vadfleet/shared/queue';
import { resolveVadParams } from '@vadfleet/shared/vad-params';
import { BatchStore } from './batch-store.js';
import type { BatchSpec } from './batch-spec.js';
import { globToRegExp } from './batch-listing.js';

let redis: Redis;
let other: Redis;
beforeAll(async () => {
  const url = inject('redisUrl');
  redis = new Redis(url);
  other = new Redis(url);
});
afterAll(() => {
  redis?.disconnect();
  other?.disconnect();
});

const spec: BatchSpec = { source: { bucket: 'in', prefix: 'calls/' }, params: resolveVadParams(), roles: { 0: 'agent', 1: 'customer' }, output: { bucket: 'out', prefix: 'b' } };
const objects = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ key: `calls/${from + i}.wav`, size: 100 }));

async function batchOf(store: BatchStore, id: string, tenant: string, n: number) {
  await store.create(id, tenant, spec);
  const state = (await store.get(id))!;
  expect(await store.appendPage(state, 0, objects(n), 0, null)).toBe('appended');
}

test('counters stay exact when many clients finish items at once, each item counting once', async () => {
  const prefix = randomPrefix();
  const stores = [new BatchStore(redis, prefix), new BatchStore(other, prefix)];
  await batchOf(stores[0], 'b1', 't1', 200);
  const fed = await stores[0].feed(1000, 1000);
  expect(fed).toHaveLength(200);
  // Every item finished twice (a retry after a crash), from two connections, all at once.
  const outcomes = await Promise.all(
    [...fed, ...fed].map(({ itemId }, i) =>
      stores[i % 2].finishItem('t1', itemId, Number(itemId.split('-')[1]) % 10 === 0 ? { outcome: 'failed', error: { code: 'INVALID_AUDIO', message: 'x' } } : { outcome: 'completed', durationMs: 1000 }),
    ),
  );
  expect(outcomes.filter((o) => o.counted)).toHaveLength(200);
  const state = (await stores[0].get('b1'))!;
  expect(state).toMatchObject({ status: 'completed', total: 200, completed: 180, failed: 20, inFlight: 0, audioMs: 180_000 });
  expect(outcomes.filter((o) => o.counted && o.status === 'completed')).toHaveLength(1);
  expect((await stores[0].metricsSnapshot()).items).toEqual({ enqueued: 200, completed: 180, failed: 20 });
});

test('the feeder caps each tenant and alternates between tenants and between a tenant\'s batches', async () => {
  const store = new BatchStore(redis, randomPrefix());
  await batchOf(store, 'a1', 'ta', 50);
  await batchOf(store, 'a2', 'ta', 50);
  await batchOf(store, 'b1', 'tb', 50);
  const first = await store.feed(4, 100);
  expect(first.filter((f) => f.tenant === 'ta')).toHaveLength(4);
  expect(first.filter((f) => f.tenant === 'tb')).toHaveLength(4);
  expect(new Set(first.filter((f) => f.tenant === 'ta').map((f) => f.itemId.split('-')[0]))).toEqual(new Set(['a1', 'a2']));
  expect(await store.feed(4, 100)).toEqual([]); // every tenant at its cap
  await store.finishItem('ta', first[0].itemId, { outcome: 'completed' });
  expect(await store.feed(4, 100)).toHaveLength(1);
});

test('a page stored twice (two expanders) is appended once; a stopped batch takes no more pages', async () => {
  const store = new BatchStore(redis, randomPrefix());
  await store.create('b', 't', spec);
  const state = (await store.get('b'))!;
  expect(await store.appendPage(state, 0, objects(3), 1, 'token')).toBe('appended');
  expect(await store.appendPage(state, 0, objects(3), 1, 'token')).toBe('stale');
  expect(await store.get('b')).toMatchObject({ total: 3, cursor: 'token', status: 'expanding' });
  expect(await store.stop('b', 'cancelled')).toBe(true);
  expect(await store.get('b')).toMatchObject({ status: 'cancelled', cancelled: 3 });
  expect(await store.appendPage(state, 3, objects(3, 3), 0, null)).toBe('stopped');
  expect(await store.stop('b', 'cancelled')).toBe(false);
});

test('an empty listing finishes the batch at once', async () => {
  const store = new BatchStore(redis, randomPrefix());
  await store.create('e', 't', spec);
  expect(await store.appendPage((await store.get('e'))!, 0, [], 5, null)).toBe('finished');
  expect(await store.get('e')).toMatchObject({ status: 'completed', total: 0 });
});

test('glob filters', () => {
  expect(globToRegExp('calls/*.wav').test('calls/a.wav')).toBe(true);
  expect(globToRegExp('calls/*.wav').test('calls/x/a.wav')).toBe(false);
  expect(globToRegExp('calls/**.wav').test('calls/x/a.wav')).toBe(true);
  expect(globToRegExp('c?lls/a.wav').test('calls/a.wav')).toBe(true);
});

test('item records are stored with the outcome under `s`, as every version wrote them, and read back typed', async () => {
  const prefix = randomPrefix();
  const store = new BatchStore(redis, prefix);
  await batchOf(store, 'r', 't', 2);
  const [first, second] = await store.feed(10, 10);
  await store.finishItem('t', first.itemId, { outcome: 'completed', result: { bucket: 'out', key: 'b/t/r-0.json' }, durationMs: 1500 });
  // A record as an earlier version wrote it.
  await redis.hset(queueKeys(prefix).batchDone('r'), '1', JSON.stringify({ s: 'failed', error: { code: 'INVALID_AUDIO', message: 'x' } }));
  expect(JSON.parse((await redis.hget(queueKeys(prefix).batchDone('r'), '0'))!)).toMatchObject({ s: 'completed', durationMs: 1500 });
  const page = await store.itemsPage('r', 0, 2);
  expect(page.map((p) => p.record?.outcome)).toEqual(['completed', 'failed']);
  expect(second.itemId).toBe('r-1');
});

test('a damaged stored spec fails where it is read instead of travelling on as a cast', async () => {
  const prefix = randomPrefix();
  const store = new BatchStore(redis, prefix);
  await store.create('d', 't', spec);
  await redis.hset(queueKeys(prefix).batch('d'), 'spec', JSON.stringify({ source: { bucket: 'in' } }));
  await expect(store.get('d')).rejects.toThrow();
});

test("a tenant's batches are listed newest first, page by page (ties in creation time too), filtered by status, never another tenant's", async () => {
  const prefix = randomPrefix();
  const store = new BatchStore(redis, prefix);
  const t0 = Date.now();
  // Five batches of tenant t, two created in the same millisecond; one of tenant u in between.
  for (const [id, tenant, at] of [['b1', 't', t0], ['b2', 't', t0 + 1], ['b3', 't', t0 + 1], ['u1', 'u', t0 + 2], ['b4', 't', t0 + 3], ['b5', 't', t0 + 4]] as const) await store.create(id, tenant, spec, at);
  await store.stop('b2', 'cancelled');
  await store.stop('b4', 'cancelled');
  const ids = async (tenant: string, limit: number, status?: 'cancelled') => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list(tenant, limit, { cursor, status });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items.map((b) => b.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return seen;
  };
  expect(await ids('t', 10)).toEqual(['b5', 'b4', 'b3', 'b2', 'b1']);
  expect(await ids('t', 2)).toEqual(['b5', 'b4', 'b3', 'b2', 'b1']);
  expect(await ids('t', 1)).toEqual(['b5', 'b4', 'b3', 'b2', 'b1']);
  expect(await ids('t', 1, 'cancelled')).toEqual(['b4', 'b2']);
  expect(await ids('u', 10)).toEqual(['u1']);
  expect(await ids('nobody', 10)).toEqual([]);
  // The last page says so: no cursor to a page that would be empty.
  expect((await store.list('t', 5)).nextCursor).toBeNull();
  // A batch whose hash expired leaves the index when next listed.
  await redis.del(queueKeys(prefix).batch('b3'));
  expect(await ids('t', 2)).toEqual(['b5', 'b4', 'b2', 'b1']);
  expect(await redis.zrange(queueKeys(prefix).tenantBatches('t'), 0, -1)).not.toContain('b3');
  expect(await redis.ttl(queueKeys(prefix).tenantBatches('t'))).toBeGreaterThan(7 * 86_400);
  await expect(store.list('t', 5, { cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
});

test("a completed item's result JSON is kept beside its record (compressed) and read back as the same text", async () => {
  const prefix = randomPrefix();
  const store = new BatchStore(redis, prefix);
  await batchOf(store, 'k', 't', 2);
  const [first, second] = await store.feed(10, 10);
  const resultJson = JSON.stringify({ channels: [{ channel: 0, segments: Array.from({ length: 200 }, (_, i) => [i * 1000, i * 1000 + 500]) }], jobId: 'k-0', cached: false });
  await store.finishItem('t', first.itemId, { outcome: 'completed', result: { bucket: 'out', key: 'k-0.json' }, durationMs: 1500 }, resultJson);
  await store.finishItem('t', second.itemId, { outcome: 'failed', error: { code: 'INVALID_AUDIO', message: 'x' } });
  const page = await store.itemsPage('k', 0, 2);
  expect(page.map((p) => p.resultJson)).toEqual([resultJson, undefined]);
  const stored = await redis.hgetBuffer(queueKeys(prefix).batchResults('k'), '0');
  expect(stored!.length).toBeLessThan(resultJson.length / 3);
  expect(await redis.ttl(queueKeys(prefix).batchResults('k'))).toBeGreaterThan(7 * 86_400);
});
