/** Inputs that need more than a stream of bytes, through the real worker, S3 (s3rver) and ffmpeg. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { System, exampleSlice, metricValue } from './system.js';

const system = new System({ redisUrl: inject('redisUrl'), s3Endpoint: inject('s3Endpoint') });
const dir = mkdtempSync(join(tmpdir(), 'worker-formats-'));
beforeAll(async () => {
  await system.startApi();
}, 120_000);
afterAll(async () => {
  await system.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('an M4A in S3 with its index at the end (ffmpeg\'s default): completed with the speech found', async () => {
  writeFileSync(join(dir, 'call.wav'), exampleSlice(0, 30_000));
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', join(dir, 'call.wav'), join(dir, 'call.m4a')]);
  const m4a = readFileSync(join(dir, 'call.m4a'));
  expect(m4a.subarray(0, 64).indexOf('moov')).toBe(-1);
  await system.store.putStream(system.inputBucket, 'calls/call.m4a', Readable.from([m4a]), { contentType: 'audio/mp4' });
  const id = await system.submitS3(system.inputBucket, 'calls/call.m4a');
  const worker = await system.startWorker();
  const job = await system.waitForJob(id);
  expect(job, JSON.stringify(job.error)).toMatchObject({ status: 'completed' });
  const result = await system.result(id);
  expect(Math.abs(result.durationMs - 30_000)).toBeLessThan(100);
  // AAC is lossy: the example's first segments, within a frame or two.
  const first = result.channels[0].segments.slice(0, 3) as number[][];
  expect(first.length).toBe(3);
  for (const [i, [start, end]] of [[70, 2340], [2620, 6200], [6480, 23670]].entries()) {
    expect(Math.abs(first[i][0] - start)).toBeLessThanOrEqual(30);
    expect(Math.abs(first[i][1] - end)).toBeLessThanOrEqual(30);
  }
  worker.kill('SIGTERM');
  await worker.exited;
});

test('a WAV cut short of its header: completed, with TRUNCATED_INPUT in the status, the result and the metric; again from the cache', async () => {
  const whole = exampleSlice(0, 5900);
  const cut = whole.subarray(0, 44 + 2 * 32000); // 2 s of the 5.9 s its header declares
  const worker = await system.startWorker();
  const id = await system.submitUpload(cut);
  const job = await system.waitForJob(id);
  const warning = { code: 'TRUNCATED_INPUT', declaredMs: 5900, decodedMs: 2000, message: expect.stringMatching(/declares 5\.900 s/) };
  expect(job).toMatchObject({ status: 'completed', warnings: [warning] });
  expect(await system.result(id)).toMatchObject({ durationMs: 2000, warnings: [warning] });
  expect(await metricValue(worker.url, 'vadfleet_input_warnings_total', { code: 'TRUNCATED_INPUT' })).toBe(1);
  const again = await system.waitForJob(await system.submitUpload(cut));
  expect(again).toMatchObject({ status: 'completed', cached: true, warnings: [warning] });
  const fine = await system.waitForJob(await system.submitUpload(whole));
  expect(fine).toMatchObject({ status: 'completed', warnings: [] });
  worker.kill('SIGTERM');
  await worker.exited;
});
