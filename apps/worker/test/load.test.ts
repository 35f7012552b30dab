import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { Vad } from '@vadfleet/vad-core';
import { MODEL_DIR, System, exampleSlice, metricValue } from './system.js';

// 50 distinct 40 s slices of the example (distinct, so the content cache cannot serve any of them). Each is
// two pieces (30 s + 10 s): a piece that starts its stream can only open a packed call, so only longer
// inputs let INFERENCE_MAX_BATCH pack anything.
const JOBS = 50;
const slices = Array.from({ length: JOBS }, (_, i) => exampleSlice(i * 1370, 40_000));

const system = new System({ redisUrl: inject('redisUrl'), s3Endpoint: inject('s3Endpoint') });
let metricsUrl: string;
beforeAll(async () => {
  await system.startApi();
  metricsUrl = (await system.startWorker({ WORKER_CONCURRENCY: '4', INFERENCE_THREADS: '2', INFERENCE_MAX_BATCH: '4' })).url;
});
afterAll(() => system.stop());

test('50 jobs on 4 job slots and 2 inference threads all complete, never more than 2 model calls at once, batched results identical to unbatched', async () => {
  const ids = await Promise.all(slices.map((audio) => system.submitUpload(audio)));
  const jobs = await Promise.all(ids.map((id) => system.waitForJob(id, 110_000)));
  expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'completed'));

  const inFlightMax = await metricValue(metricsUrl, 'vadfleet_inference_in_flight_max');
  expect(inFlightMax).toBeGreaterThanOrEqual(1);
  expect(inFlightMax).toBeLessThanOrEqual(2);
  expect(await metricValue(metricsUrl, 'vadfleet_inference_runs_total')).toBeGreaterThanOrEqual(JOBS / 4);
  // Some model calls really packed several pieces, so the comparison below covers batching.
  const pieces = await metricValue(metricsUrl, 'vadfleet_inference_batch_size_sum');
  const calls = await metricValue(metricsUrl, 'vadfleet_inference_batch_size_count');
  expect(calls).toBeGreaterThan(0);
  expect(pieces).toBeGreaterThan(calls);

  // Reference: vad-core in this process, one thread, no batching, same bytes.
  const vad = await Vad.create({ modelDir: MODEL_DIR, threads: 1, maxBatch: 1 });
  try {
    for (let i = 0; i < JOBS; i++) {
      const expected = await vad.detect(new Uint8Array(slices[i]));
      expect((await system.result(ids[i])).channels, `job ${i}`).toEqual(expected.channels);
    }
  } finally {
    await vad.close();
  }
});
