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

/** Spec §13: the presets and max_single_segment_time = 10000 on the example, exactly. */
const RESCORED: [object, number[][]][] = [
  [{ preset: 'fast-dialogue' }, [[70,2350],[2590,5190],[5190,6210],[6400,12100],[12100,15870],[15870,22140],[22170,23690],[23810,24760],[24840,26270],[26770,29030],[29950,31450],[31750,35450],[35450,37600],[38210,42290],[42290,43720],[43720,46910],[47310,49640],[49890,52280],[52280,56470],[56740,59550],[59790,62920],[62920,63740],[63740,70450]]],
  [{ preset: 'meeting' }, GOLDEN_SEGMENTS],
  [{ preset: 'lecture' }, [[70, 28970], [29960, 70450]]],
  [{ preset: 'noisy' }, [[70, 26310], [26790, 29040], [29950, 37610], [38210, 46920], [47400, 70450]]],
  [{ maxSegmentMs: 10000 }, [[70,2340],[2620,6200],[6480,16490],[16490,23670],[23950,26250],[26780,28990],[29950,31430],[31750,37600],[38210,46900],[47310,49630],[49910,56460],[56740,59540],[59820,69830],[69830,70450]]],
];

test('rescore gives every preset of spec §13 exactly, without a model run', async () => {
  const id = await system.submitUpload(exampleWav());
  expect((await system.waitForJob(id)).status).toBe('completed');
  const runsBefore = await metricValue(metricsUrl, 'vadfleet_inference_runs_total');
  for (const [params, expected] of RESCORED) {
    const res = await fetch(`${system.api!.url}/v1/jobs/${id}/rescore`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ params }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.channels).toEqual([{ channel: 0, segments: expected }]);
  }
  expect(await metricValue(metricsUrl, 'vadfleet_inference_runs_total')).toBe(runsBefore);
  const bad = await fetch(`${system.api!.url}/v1/jobs/${id}/rescore`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ params: { speechNoiseThres: 3 } }),
  });
  expect(bad.status).toBe(400);
  expect((await bad.json()).error.code).toBe('INVALID_PARAMS');
});
