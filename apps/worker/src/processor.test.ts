import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { ResultCache } from '@vadfleet/platform/result-cache';
import { createWorkerMetrics } from '@vadfleet/platform/metrics';
import { decodeJobError, type DetectJobData } from '@vadfleet/shared/queue';
import { resolveVadParams } from '@vadfleet/shared/vad-params';
import { FUNASR_POST_DEFAULTS } from '@vadfleet/vad-postprocess';
import { VadError } from '@vadfleet/shared/errors';
import { randomBucket, randomPrefix } from '@vadfleet/testkit/names';
import { createProcessor, type DetectJob, type ProcessorDeps } from './processor.js';
import { s3rverClientConfig } from '@vadfleet/testkit/s3-server';

// The processor against real Redis and S3, with a stand-in for vad-core that counts its runs: the
// model itself is covered by vad-core's tests and by the end-to-end tests in ../test.
let redis: Redis;
let store: ObjectStore;
const bucket = randomBucket('proc');
beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  store = new ObjectStore(createS3Client(s3rverClientConfig(inject('s3Endpoint'))));
  await store.ensureBucket(bucket);
});
afterAll(() => redis?.disconnect());

function setup(overrides: Partial<ProcessorDeps> = {}) {
  const runs: Buffer[] = [];
  const vad = {
    model: { name: 'fake', sha256: '0'.repeat(64) },
    postConfig: FUNASR_POST_DEFAULTS,
    async modelFor() {
      return vad.model;
    },
    async detect(source: AsyncIterable<Uint8Array>, options: { onFrameProbs?: (c: number, f: number, p: Float32Array) => void }) {
      const chunks: Buffer[] = [];
      for await (const chunk of source) chunks.push(Buffer.from(chunk));
      const bytes = Buffer.concat(chunks);
      runs.push(bytes);
      options.onFrameProbs?.(0, 0, new Float32Array([0.9, 0.1]));
      if (bytes[0] === 0x58) throw new VadError('INVALID_AUDIO', 'bad header');
      return { durationMs: 1000, sampleRate: 16000, channels: [{ channel: 0, segments: [[0, 500]] }], params: resolveVadParams(), model: vad.model, version: '0', timings: { decodeMs: 1, featuresMs: 1, modelMs: 1, postprocessMs: 1, totalMs: 4 }, warnings: [] };
    },
  } as unknown as ProcessorDeps['vad'];
  const deps: ProcessorDeps = {
    vad,
    store,
    cache: new ResultCache(redis, { prefix: randomPrefix(), ttlSeconds: 60, scope: 'tenant' }),
    metrics: createWorkerMetrics({ defaultMetrics: false }),
    isCancelled: async () => false,
    limits: { maxChannels: 8, maxDurationMs: 3_600_000, maxInputBytes: 1_000_000 },
    ...overrides,
  };
  let n = 0;
  const run = (data: Partial<DetectJobData> & { input: DetectJobData['input'] }, id = `job${++n}`) => {
    const job = { id, data: { tenant: 't1', params: resolveVadParams(), output: { bucket, prefix: 'results' }, acceptedAt: Date.now(), source: 's3', ...data }, updateProgress: async () => {} };
    return createProcessor(deps)(job as unknown as DetectJob, 'token', new AbortController().signal);
  };
  return { run, runs };
}

async function put(key: string, bytes: Buffer): Promise<void> {
  await store.putStream(bucket, key, Readable.from([bytes]), { contentType: 'application/octet-stream' });
}

test("a run's timings are rounded to 0.01 ms, and totalMs is the wall time covering download and upload", async () => {
  const { run } = setup();
  await put('timed.wav', Buffer.alloc(5000, 7));
  const { timings } = await run({ input: { bucket, key: 'timed.wav' } });
  for (const ms of Object.values(timings)) expect(String(ms)).toMatch(/^\d+(\.\d{1,2})?$/);
  expect(timings.totalMs).toBeGreaterThanOrEqual(timings.downloadMs + timings.uploadMs);
  expect(timings).toMatchObject({ decodeMs: 1, modelMs: 1 });
});

test('a result is stored; the same object, or the same bytes uploaded again, are served from cache', async () => {
  const { run, runs } = setup();
  const audio = Buffer.alloc(5000, 7);
  const sha256 = createHash('sha256').update(audio).digest('hex');
  await put('a.wav', audio);
  await put('copy.wav', audio);
  await put('other.wav', audio);
  const first = await run({ input: { bucket, key: 'a.wav' } });
  expect(first).toMatchObject({ cached: false, durationMs: 1000, channels: 1, result: { bucket, key: 'results/t1/job1.json' } });
  expect(runs).toHaveLength(1);
  expect(await store.getJson(bucket, 'results/t1/job1.json')).toMatchObject({ jobId: 'job1', cached: false, input: { bucket, key: 'a.wav' } });

  expect(await run({ input: { bucket, key: 'a.wav' } })).toMatchObject({ cached: true, result: { key: 'results/t1/job2.json' } });
  // An upload carries the hash the API computed while storing it: a content hit before any download.
  expect(await run({ input: { bucket, key: 'copy.wav', sha256 } })).toMatchObject({ cached: true, result: { key: 'results/t1/job3.json' } });
  expect(runs).toHaveLength(1);
  expect(await store.getJson(bucket, 'results/t1/job3.json')).toMatchObject({ jobId: 'job3', cached: true, input: { key: 'copy.wav' }, channels: [{ segments: [[0, 500]] }] });
  // Served results carry the frame probabilities too (re-scoring reads them).
  expect((await store.getBytes(bucket, 'results/t1/job3.frame-probs')).equals(await store.getBytes(bucket, 'results/t1/job1.frame-probs'))).toBe(true);

  // Another tenant (cache scope "tenant"), other parameters, and an S3 key whose hash is unknown before reading run the model again.
  await run({ tenant: 't2', input: { bucket, key: 'a.wav' } });
  await run({ params: resolveVadParams({ preset: 'lecture' }), input: { bucket, key: 'a.wav' } });
  await run({ input: { bucket, key: 'other.wav' } });
  expect(runs).toHaveLength(4);
  // The model saw exactly the object's bytes, streamed.
  expect(runs.every((bytes) => bytes.equals(audio))).toBe(true);
});

test('a cached result whose object was deleted is recomputed', async () => {
  const { run, runs } = setup();
  await put('b.wav', Buffer.from('small'));
  await run({ input: { bucket, key: 'b.wav' } });
  await store.delete(bucket, 'results/t1/job1.json');
  expect(await run({ input: { bucket, key: 'b.wav' } })).toMatchObject({ cached: false });
  expect(runs).toHaveLength(2);
  expect(runs[0].toString()).toBe('small');
});

test('failures carry their code: non-retryable ones as UnrecoverableError', async () => {
  const { run } = setup();
  await put('bad.wav', Buffer.from('XXXX'));
  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (err: Error) => err);

  const invalid = await failure(run({ input: { bucket, key: 'bad.wav' } }));
  expect(invalid).toBeInstanceOf(UnrecoverableError);
  expect(decodeJobError(invalid.message)).toEqual({ code: 'INVALID_AUDIO', message: 'bad header' });

  const missing = await failure(run({ input: { bucket, key: 'nope.wav' } }));
  expect(missing).toBeInstanceOf(UnrecoverableError);
  expect(decodeJobError(missing.message).code).toBe('INPUT_NOT_FOUND');

  const malformed = await failure(run({ input: { bucket: 'x', key: '' } }));
  expect(decodeJobError(malformed.message).code).toBe('BAD_REQUEST');

  const tooLarge = await failure(setup({ limits: { maxChannels: 8, maxDurationMs: 1000, maxInputBytes: 3 } }).run({ input: { bucket, key: 'bad.wav' } }));
  expect(decodeJobError(tooLarge.message).code).toBe('PAYLOAD_TOO_LARGE');

  const cancelled = await failure(setup({ isCancelled: async () => true }).run({ input: { bucket, key: 'bad.wav' } }));
  expect(decodeJobError(cancelled.message).code).toBe('JOB_CANCELLED');
});

test('storage outages are retryable: a plain Error, not UnrecoverableError', async () => {
  const down = new ObjectStore(createS3Client(s3rverClientConfig('http://127.0.0.1:9')));
  const err = await setup({ store: down }).run({ input: { bucket, key: 'a.wav' } }).catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(UnrecoverableError);
  expect(decodeJobError((err as Error).message).code).toBe('STORAGE_UNAVAILABLE');
});

test('a retried job whose earlier attempt stored its result finds it in place (no copy onto itself)', async () => {
  const { run, runs } = setup();
  await put('retried.wav', Buffer.alloc(4000, 3));
  const first = await run({ input: { bucket, key: 'retried.wav' } }, 'retried-job');
  // The attempt's completion was lost (say, a Redis failover): BullMQ runs the same job again.
  expect(await run({ input: { bucket, key: 'retried.wav' } }, 'retried-job')).toMatchObject({ result: first.result, cached: false, durationMs: 1000 });
  expect(runs).toHaveLength(1);
  expect(await store.getJson(bucket, first.result.key)).toMatchObject({ jobId: 'retried-job', cached: false });
});
