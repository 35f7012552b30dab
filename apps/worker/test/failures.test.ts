import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { Readable } from 'node:stream';
import { startFaultProxy, type FaultProxy } from '@vadfleet/testkit/fault-proxy';
import { System, exampleSlice, wav } from './system.js';

let proxy: FaultProxy;
const system = new System({ redisUrl: inject('redisUrl'), s3Endpoint: inject('s3Endpoint') });
beforeAll(async () => {
  await system.startApi();
});
afterAll(async () => {
  await system.stop();
  await proxy?.stop();
});

const putInput = (key: string, bytes: Buffer) =>
  system.store.putStream(system.inputBucket, key, Readable.from([bytes]), { contentType: 'audio/wav' });

test('corrupt audio fails with INVALID_AUDIO without a retry; a vanished input with INPUT_NOT_FOUND', async () => {
  // Accepted by the API while the object exists, deleted before any worker runs.
  await putInput('gone.wav', exampleSlice(0, 1000));
  const goneId = await system.submitS3(system.inputBucket, 'gone.wav');
  await system.store.delete(system.inputBucket, 'gone.wav');

  // A WAV header whose data chunk declares 16-bit samples but whose fmt chunk says 0 channels.
  const corrupt = wav(Buffer.alloc(32_000));
  corrupt.writeUInt16LE(0, 22);
  const corruptId = await system.submitUpload(corrupt);

  const worker = await system.startWorker();
  const [gone, bad] = await Promise.all([system.waitForJob(goneId), system.waitForJob(corruptId)]);
  expect(gone).toMatchObject({ status: 'failed', error: { code: 'INPUT_NOT_FOUND' } });
  expect(bad).toMatchObject({ status: 'failed', error: { code: 'INVALID_AUDIO' }, attempts: 1 });
  worker.kill('SIGTERM');
  await worker.exited;
});

test('with S3 answering 503 to 30% of the worker\'s requests, every job still completes', async () => {
  proxy = await startFaultProxy({ target: inject('s3Endpoint'), failureRate: 0.3, seed: 42 });
  const ids = [];
  for (let i = 0; i < 10; i++) {
    await putInput(`flaky/${i}.wav`, exampleSlice(3100 * i, 5000));
    ids.push(await system.submitS3(system.inputBucket, `flaky/${i}.wav`));
  }
  await system.startWorker({ S3_ENDPOINT: proxy.endpoint, WORKER_CONCURRENCY: '4' });
  const jobs = await Promise.all(ids.map((id) => system.waitForJob(id, 100_000)));
  expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'completed'));
  expect(proxy.stats.failed).toBeGreaterThan(0);
});
