import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { API_KEY, GOLDEN_SEGMENTS, System, TENANT, exampleSlice, exampleWav, metricValue } from './system.js';

const system = new System({ redisUrl: inject('redisUrl'), s3Endpoint: inject('s3Endpoint') });
let metricsUrl: string;
beforeAll(async () => {
  await system.startApi();
  metricsUrl = (await system.startWorker()).url;
});
afterAll(() => system.stop());

test('the example submitted by upload completes with FunASR\'s 12 segments, stored in S3', async () => {
  const id = await system.submitUpload(exampleWav());
  const job = await system.waitForJob(id);
  expect(job).toMatchObject({ status: 'completed', cached: false });
  const result = await system.result(id);
  expect(result.channels).toEqual([{ channel: 0, segments: GOLDEN_SEGMENTS }]);
  expect(result).toMatchObject({ jobId: id, cached: false, sampleRate: 16000 });
  // The result object itself is in the results bucket, where the job says.
  expect(job.result.bucket).toBe(system.resultsBucket);
  expect(await system.store.getJson(job.result.bucket, job.result.key)).toEqual(result);
});

test('the example named by S3 key completes with the same segments', async () => {
  await system.store.putStream(system.inputBucket, 'calls/example.wav', Readable.from([exampleWav()]), { contentType: 'audio/wav' });
  const id = await system.submitS3(system.inputBucket, 'calls/example.wav');
  const job = await system.waitForJob(id);
  expect(job.status).toBe('completed');
  expect((await system.result(id)).channels[0].segments).toEqual(GOLDEN_SEGMENTS);
});

test('the same audio uploaded again completes from the cache without a model run', async () => {
  const runsBefore = await metricValue(metricsUrl, 'vadfleet_inference_runs_total');
  expect(runsBefore).toBeGreaterThan(0);
  const id = await system.submitUpload(exampleWav());
  const job = await system.waitForJob(id);
  expect(job).toMatchObject({ status: 'completed', cached: true });
  expect(await metricValue(metricsUrl, 'vadfleet_inference_runs_total')).toBe(runsBefore);
  expect(await metricValue(metricsUrl, 'vadfleet_cache_lookups_total', { result: 'hit' })).toBeGreaterThan(0);
  const result = await system.result(id);
  expect(result).toMatchObject({ jobId: id, cached: true });
  expect(result.channels[0].segments).toEqual(GOLDEN_SEGMENTS);
});

test('cancelling an active job stops it: cancelled with JOB_CANCELLED, no result stored', async () => {
  const worker = system.workers[0];
  const id = await system.submitUpload(exampleSlice(0, 900_000)); // 15 minutes: seconds of work
  await worker.waitForLine((line) => line.msg === 'job started' && line.jobId === id);
  const res = await fetch(`${system.api!.url}/v1/jobs/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${API_KEY}` } });
  expect(res.status).toBe(202);
  const job = await system.waitForJob(id);
  expect(job).toMatchObject({ status: 'cancelled', error: { code: 'JOB_CANCELLED' }, attempts: 1 });
  expect(await system.store.head(system.resultsBucket, `results/${TENANT}/${id}.json`)).toBeNull();
});
