import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { randomPrefix } from '@vadfleet/testkit/names';
import { resolveVadParams } from '@vadfleet/shared/vad-params';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import { batchResultsCsv, batchResultsNdjson } from './batch-results.js';
import { BatchStore } from './batch-store.js';
import type { BatchSpec } from './batch-spec.js';

let redis: Redis;
beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis?.disconnect());

const spec: BatchSpec = { source: { bucket: 'in', prefix: 'calls/' }, params: resolveVadParams(), roles: { 0: 'agent', 1: 'customer' }, output: { bucket: 'out', prefix: 'b' } };
const qa = {
  channels: [
    { channel: 0, role: 'agent', speechMs: 1200, speechRatio: 0.4, segmentCount: 3, longestSilence: { ms: 700 } },
    { channel: 1, role: 'customer', speechMs: 900, speechRatio: 0.3, segmentCount: 2, longestSilence: null },
  ],
  conversation: { overtalk: { totalMs: 120, count: 1 }, talk: { agentShare: 0.5714 }, turnCount: 4, interruptions: { byAgent: 1, byCustomer: 0 }, longestCustomerWait: { ms: 300 } },
};
const documentOf = (i: number) => ({ channels: [{ channel: 0, segments: [[0, 100 + i]] }, { channel: 1, segments: [] }], durationMs: 3000, qa, jobId: `r-${i}`, input: { bucket: 'in', key: `calls/${i}.wav` }, cached: false });

/**
 * The object store as the stream sees it: it serves the result JSONs a worker wrote and counts reads.
 * (The stream's S3 client is exercised against s3rver by apps/worker/test/batch*.test.ts.)
 */
function resultStore(documents: Map<string, string>) {
  const store = {
    reads: 0,
    async getBytes(_bucket: string, key: string) {
      store.reads++;
      const text = documents.get(key);
      if (text === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      return Buffer.from(text);
    },
  };
  return store;
}

async function collect(lines: AsyncGenerator<string>): Promise<string> {
  let out = '';
  for await (const chunk of lines) out += chunk;
  return out;
}

test('results kept in Redis stream without reading S3 and give the same NDJSON and CSV as results read from S3', async () => {
  const n = 7;
  const documents = new Map(Array.from({ length: n }, (_, i) => [`b/t/r-${i}.json`, JSON.stringify(documentOf(i))]));
  const kept = new BatchStore(redis, randomPrefix());
  const old = new BatchStore(redis, randomPrefix());
  for (const store of [kept, old]) {
    await store.create('r', 't', spec);
    await store.appendPage((await store.get('r'))!, 0, Array.from({ length: n }, (_, i) => ({ key: `calls/${i}.wav`, size: 100 })), 0, null);
    for (const { itemId } of await store.feed(100, 100)) {
      const i = Number(itemId.split('-')[1]);
      const key = `b/t/r-${i}.json`;
      const record = i === 3 ? { outcome: 'failed' as const, error: { code: 'INVALID_AUDIO' as const, message: 'not audio' } } : { outcome: 'completed' as const, result: { bucket: 'out', key }, durationMs: 3000 };
      // `old`: records as written before results were kept in Redis.
      await store.finishItem('t', itemId, record, store === kept && record.outcome === 'completed' ? documents.get(key) : undefined);
    }
  }
  const fromRedis = resultStore(documents);
  const fromS3 = resultStore(documents);
  const objects = (s: ReturnType<typeof resultStore>) => s as unknown as ObjectStore;
  const ndjson = await collect(batchResultsNdjson(kept, objects(fromRedis), (await kept.get('r'))!));
  const csv = await collect(batchResultsCsv(kept, objects(fromRedis), (await kept.get('r'))!));
  expect(fromRedis.reads).toBe(0);
  expect(ndjson).toBe(await collect(batchResultsNdjson(old, objects(fromS3), (await old.get('r'))!)));
  expect(csv).toBe(await collect(batchResultsCsv(old, objects(fromS3), (await old.get('r'))!)));
  expect(fromS3.reads).toBe(2 * (n - 1));

  const lines = ndjson.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines).toHaveLength(n);
  expect(lines[0]).toEqual({ index: 0, key: 'calls/0.wav', status: 'completed', durationMs: 3000, warnings: [], resultRef: { bucket: 'out', key: 'b/t/r-0.json' }, result: documentOf(0) });
  expect(lines[3]).toEqual({ index: 3, key: 'calls/3.wav', status: 'failed', error: { code: 'INVALID_AUDIO', message: 'not audio' }, warnings: [] });
  expect(csv.split('\n')[1]).toBe('calls/0.wav,completed,,3000,,agent,1200,0.4,3,700,customer,900,0.3,2,0,120,1,0.5714,4,1,0,300,,,,');
});
