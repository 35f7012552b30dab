/**
 * A batch with corrupt files and a worker SIGKILLed in the middle: the batch still ends with every call
 * counted exactly once (a second worker takes over the crashed one's calls after their locks expire).
 */
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { makeCall, planCall } from './batch-calls.js';
import { BatchSystem, parseNdjson } from './batch-harness.js';

const sys = new BatchSystem({ redisUrl: inject('redisUrl'), s3Endpoint: inject('s3Endpoint') });
const CALLS = 50;
const corrupt = new Set([3, 11, 24, 37, 48]);
/** Cut to half of what their headers declare: analysed, with TRUNCATED_INPUT. */
const truncated = new Set([5, 30]);
const keys = Array.from({ length: CALLS }, (_, i) => `in/call-${i}.wav`);

beforeAll(async () => {
  await sys.startApi();
  await sys.upload(keys, (i) => {
    if (corrupt.has(i)) return Buffer.from(`RIFF garbage ${i} `.repeat(50));
    const call = makeCall(planCall(i, 8000));
    return truncated.has(i) ? call.subarray(0, call.length >> 1) : call;
  });
  await Promise.all([sys.startWorker(), sys.startWorker()]);
}, 120_000);
afterAll(() => sys.stop());

test('5 corrupt files among 50 and a worker killed mid-batch: 45 succeeded, 5 failed, each counted once', async () => {
  const [victim, survivor] = sys.workers;
  const res = await sys.submitBatch({ input: { s3: { bucket: sys.inputBucket, prefix: 'in/' } } });
  expect(res.status).toBe(202);
  // Kill one worker once it has finished a few calls (so it dies with others in hand).
  await victim.waitForLine((l) => l.msg === 'job completed', 60_000);
  await victim.waitForLine((l) => l.msg === 'job started' && victim.lines.filter((x) => x.msg === 'job completed').length >= 3, 60_000);
  victim.kill('SIGKILL');
  await victim.exited;

  const done = await sys.waitForBatch(res.body.id);
  expect(done.status).toBe('completed');
  expect(done.counts).toEqual({ total: CALLS, pending: 0, inFlight: 0, completed: 45, failed: 5, cancelled: 0 });

  const lines = parseNdjson((await sys.request(`/v1/batches/${res.body.id}/results`)).text);
  expect(lines).toHaveLength(CALLS);
  for (const line of lines) {
    const i = keys.indexOf(line.key);
    if (corrupt.has(i)) {
      expect(line.status).toBe('failed');
      expect(['INVALID_AUDIO', 'UNSUPPORTED_FORMAT']).toContain(line.error.code);
    } else {
      expect(line.status).toBe('completed');
      expect(line.result.channels).toHaveLength(2);
      expect(line.warnings.map((w: { code: string }) => w.code)).toEqual(truncated.has(i) ? ['TRUNCATED_INPUT'] : []);
    }
  }
  // The survivor did take over: it logged completions after the kill.
  expect(survivor.lines.filter((l) => l.msg === 'job completed').length).toBeGreaterThan(0);
  const csv = (await sys.request(`/v1/batches/${res.body.id}/results?format=csv`)).text.trim().split('\n');
  expect(csv).toHaveLength(CALLS + 1);
  expect(csv.filter((row) => row.includes(',failed,'))).toHaveLength(5);
  const warningsColumn = csv[0].split(',').indexOf('warnings');
  expect(csv.slice(1).filter((row) => row.split(',')[warningsColumn] === 'TRUNCATED_INPUT').map((row) => row.split(',')[0])).toEqual([...truncated].map((i) => keys[i]).sort());
});

test('cancelling a batch drops the calls not started', async () => {
  const res = await sys.submitBatch({ input: { s3: { bucket: sys.inputBucket, keys: keys.map((k) => k) } }, params: { preset: 'lecture' } });
  expect(res.status).toBe(202);
  for (let i = 0; i < 100 && (await sys.request(`/v1/batches/${res.body.id}`)).body.counts.total === 0; i++) await new Promise((r) => setTimeout(r, 50));
  const cancel = await sys.request(`/v1/batches/${res.body.id}`, { method: 'DELETE' });
  expect(cancel.status).toBe(200);
  expect(cancel.body.status).toBe('cancelled');
  const done = await sys.waitForBatch(res.body.id);
  for (let i = 0; i < 100; i++) {
    const v = (await sys.request(`/v1/batches/${res.body.id}`)).body;
    if (v.counts.inFlight === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const view = (await sys.request(`/v1/batches/${res.body.id}`)).body;
  expect(done.status).toBe('cancelled');
  expect(view.counts.completed + view.counts.failed + view.counts.cancelled).toBe(view.counts.total);
  expect(view.counts.cancelled).toBeGreaterThan(0);
  expect((await sys.request(`/v1/batches/${res.body.id}`, { method: 'DELETE' })).status).toBe(409);
});
