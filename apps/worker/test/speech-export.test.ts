/**
 * Speech export (output.speech) through the real API, worker, Redis and s3rver: every listed object is
 * whole and holds exactly the decoder's samples of its range, with 30% of the worker's S3 requests
 * answered 503 (job retries overwrite the same keys).
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { startFaultProxy, type FaultProxy } from '@vadfleet/testkit/fault-proxy';
import type { TimeMapEntry } from '@vadfleet/speech-export';
import { expectSameSamples } from '../../../packages/vad-core/src/audio/testing/collect-audio.js';
import { decodedAt } from '../../../packages/speech-export/src/testing/export-fixtures.js';
import { API_KEY, System, TENANT, exampleSlice, metricValue } from './system.js';

let proxy: FaultProxy | undefined;
const system = new System({ redisUrl: inject('redisUrl'), s3Endpoint: inject('s3Endpoint') });
beforeAll(async () => {
  await system.startApi();
}, 120_000);
afterAll(async () => {
  await system.stop();
  await proxy?.stop();
}, 120_000);

const putInput = (key: string, bytes: Buffer) => system.store.putStream(system.inputBucket, key, Readable.from([bytes]), { contentType: 'audio/wav' });

interface Listed {
  key: string;
  bytes: number;
  durationMs: number;
  startMs?: number;
  endMs?: number;
}

/** Checks a completed job's speech listing against its input, object by object (read past the proxy). */
async function expectExact(jobIdOrResult: string | any, input: Buffer, speech: { layout: string; sampleRate?: number | string; gapMs?: number }): Promise<number> {
  const result = typeof jobIdOrResult === 'string' ? await system.result(jobIdOrResult) : jobIdOrResult;
  const jobId = result.jobId as string;
  expect(result.speech).toMatchObject({ bucket: system.resultsBucket, layout: speech.layout });
  const decoded = await decodedAt(new Uint8Array(input), (speech.sampleRate ?? 16000) as 16000);
  let objects = 0;
  for (const ch of result.speech.channels as { channel: number; objects: Listed[]; mapKey?: string; removedRatio: number }[]) {
    expect(ch.removedRatio).toBeGreaterThanOrEqual(0);
    const source = decoded.channels[ch.channel];
    for (const o of ch.objects) {
      expect(o.key).toMatch(new RegExp(`^(results|batches/[^/]+)/${TENANT}/${jobId}/ch${ch.channel}[./]`));
      const bytes = await system.store.getBytes(system.resultsBucket, o.key);
      expect(bytes.length, o.key).toBe(o.bytes);
      const samples = (await decodedAt(new Uint8Array(bytes), 'source')).channels[0];
      const at = (ms: number) => Math.round((ms * decoded.rate) / 1000);
      if (speech.layout === 'clips') {
        expectSameSamples(samples, source.subarray(at(o.startMs!), at(o.endMs!)));
      } else {
        const map = (await system.store.getJson(system.resultsBucket, ch.mapKey!)) as TimeMapEntry[];
        const gap = at(speech.gapMs ?? 0);
        expect(samples.length).toBe(map.reduce((n, e) => n + at(e.durationMs), 0) + gap * Math.max(0, map.length - 1));
        for (const e of map) expectSameSamples(samples.subarray(at(e.outStartMs), at(e.outStartMs + e.durationMs)), source.subarray(at(e.srcStartMs), at(e.srcStartMs + e.durationMs)));
      }
      objects++;
    }
  }
  return objects;
}

test('clips and joined tracks, WAV and FLAC: listed in the result, exact, counted in the metrics', async () => {
  const input = exampleSlice(0, 30_000);
  await putInput('speech/a.wav', input);
  const clips = { layout: 'clips', padMs: 100, maxClipMs: 5000 } as const;
  const joined = { layout: 'joined', format: 'flac', sampleRate: 8000, gapMs: 250 } as const;
  const clipsId = await system.submitS3(system.inputBucket, 'speech/a.wav', { output: { speech: clips } });
  const joinedId = await system.submitS3(system.inputBucket, 'speech/a.wav', { output: { speech: joined } });
  const worker = await system.startWorker();
  for (const id of [clipsId, joinedId]) expect((await system.waitForJob(id, 120_000)).status).toBe('completed');
  expect(await expectExact(clipsId, input, clips)).toBeGreaterThan(3);
  expect(await expectExact(joinedId, input, joined)).toBe(1);
  expect(await metricValue(worker.url!, 'vadfleet_speech_exported_seconds_total')).toBeGreaterThan(20);
  expect(await metricValue(worker.url!, 'vadfleet_speech_removed_seconds_total')).toBeGreaterThan(0);
  worker.kill('SIGTERM');
  await worker.exited;
}, 300_000);

test("with S3 answering 503 to 30% of the worker's requests, every job completes and every listed object is whole", async () => {
  proxy = await startFaultProxy({ target: inject('s3Endpoint'), failureRate: 0.3, seed: 7 });
  const jobs: { id: string; input: Buffer; speech: { layout: string; format?: string; gapMs?: number; padMs?: number } }[] = [];
  for (let i = 0; i < 6; i++) {
    const input = exampleSlice(4100 * i, 12_000);
    await putInput(`speech/flaky-${i}.wav`, input);
    const speech = i % 2 === 0 ? { layout: 'clips', format: i % 4 === 0 ? 'flac' : 'wav', padMs: 50 } : { layout: 'joined', gapMs: 100 };
    jobs.push({ id: await system.submitS3(system.inputBucket, `speech/flaky-${i}.wav`, { output: { speech } }), input, speech });
  }
  const worker = await system.startWorker({ S3_ENDPOINT: proxy.endpoint, WORKER_CONCURRENCY: '3' });
  const done = await Promise.all(jobs.map((j) => system.waitForJob(j.id, 240_000)));
  expect(done.map((j) => j.status)).toEqual(jobs.map(() => 'completed'));
  for (const j of jobs) expect(await expectExact(j.id, j.input, j.speech)).toBeGreaterThan(0);
  expect(proxy.stats.failed).toBeGreaterThan(0);
  worker.kill('SIGTERM');
  await worker.exited;
}, 400_000);

test('a batch with output.speech: every call exported; NDJSON and CSV carry the keys and ratios; unknown options 400', async () => {
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${system.api!.url}${path}`, { ...init, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...init.headers } });
  const inputs = [exampleSlice(1000, 8000), exampleSlice(20_000, 8000), exampleSlice(40_000, 8000)];
  for (const [i, bytes] of inputs.entries()) await putInput(`batch-speech/${i}.wav`, bytes);
  const input = { s3: { bucket: system.inputBucket, prefix: 'batch-speech/' } };
  const bad = await call('/v1/batches', { method: 'POST', body: JSON.stringify({ input, output: { speech: { format: 'ogg' } } }) });
  expect(bad.status).toBe(400);
  expect((await bad.json()).error).toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('output.speech.format') });

  const speech = { layout: 'clips', padMs: 30 } as const;
  const submitted = await call('/v1/batches', { method: 'POST', body: JSON.stringify({ input, output: { speech } }) });
  expect(submitted.status).toBe(202);
  const { id } = await submitted.json();
  const worker = await system.startWorker();
  for (let status = ''; status !== 'completed'; await new Promise((r) => setTimeout(r, 200))) {
    status = (await (await call(`/v1/batches/${id}`)).json()).status;
    expect(['expanding', 'running', 'completed']).toContain(status);
  }
  const lines = (await (await call(`/v1/batches/${id}/results`)).text()).trim().split('\n').map((l) => JSON.parse(l));
  expect(lines).toHaveLength(3);
  for (const [i, line] of lines.entries()) {
    expect(line.status).toBe('completed');
    expect(await expectExact(line.result, inputs[i], speech)).toBeGreaterThan(0);
  }
  const csv = (await (await call(`/v1/batches/${id}/results?format=csv`)).text()).trim().split('\n');
  const header = csv[0].split(',');
  const ratio = header.indexOf('ch0_export_removed_ratio');
  const keys = header.indexOf('ch0_export_keys');
  for (const [i, row] of csv.slice(1).entries()) {
    const cells = row.split(',');
    const ch0 = lines[i].result.speech.channels[0];
    expect(Number(cells[ratio])).toBeCloseTo(ch0.removedRatio, 4);
    expect(cells[keys].split(' ')).toEqual(ch0.objects.map((o: Listed) => o.key));
  }
  worker.kill('SIGTERM');
  await worker.exited;
}, 300_000);
