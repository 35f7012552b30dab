/**
 * Fairness, asserted from the order of the worker's `job started` lines (not from timings): an
 * interactive job overtakes every batch item not yet started, and two tenants' batches progress together.
 */
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { makeCall, planCall } from './batch-calls.js';
import { BatchSystem } from './batch-harness.js';
import { exampleSlice } from './system.js';

const sys = new BatchSystem({ redisUrl: inject('redisUrl'), s3Endpoint: inject('s3Endpoint') });
const keysA = Array.from({ length: 200 }, (_, i) => `a/call-${i}.wav`);
const keysB = Array.from({ length: 40 }, (_, i) => `b/call-${i}.wav`);

beforeAll(async () => {
  await sys.startApi();
  await sys.upload(keysA, (i) => makeCall(planCall(i, 5000)));
  await sys.upload(keysB, (i) => makeCall(planCall(1000 + i, 5000)));
  await sys.startWorker();
}, 120_000);
afterAll(() => sys.stop());

test('an interactive job goes ahead of queued batch items, and two tenants\' batches share the fleet', async () => {
  const worker = sys.workers[0];
  const a = await sys.submitBatch({ input: { s3: { bucket: sys.inputBucket, prefix: 'a/' } } }, { tenant: 'a' });
  expect(a.status).toBe(202);
  await worker.waitForLine((l) => l.msg === 'job started' && l.tenant === 'tenant-a');

  // Tenant B: an interactive upload while A's batch is queued.
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(exampleSlice(0, 3000))], { type: 'audio/wav' }), 'a.wav');
  const startsBefore = sys.starts(worker).length;
  const interactive = await sys.request('/v1/jobs', { method: 'POST', body: form, tenant: 'b' });
  expect(interactive.status).toBe(202);
  await worker.waitForLine((l) => l.msg === 'job started' && l.jobId === interactive.body.id, 60_000);

  // Then tenant B's batch.
  const b = await sys.submitBatch({ input: { s3: { bucket: sys.inputBucket, prefix: 'b/' } } }, { tenant: 'b' });
  expect(b.status).toBe(202);
  const doneB = await sys.waitForBatch(b.body.id, 'b');
  const doneA = await sys.waitForBatch(a.body.id, 'a');
  expect(doneA.counts.completed).toBe(200);
  expect(doneB.counts.completed).toBe(40);

  const starts = sys.starts(worker);
  const interactiveAt = starts.findIndex((s) => s.jobId === interactive.body.id);
  // Batch items that started after the upload was accepted but before it: at most the worker's
  // concurrency (items already fetched when it arrived, their lines logged a moment later).
  const overtaking = starts.slice(startsBefore, interactiveAt).filter((s) => s.tenant === 'tenant-a');
  expect(overtaking.length).toBeLessThanOrEqual(2);
  // A still had most of its batch waiting: every one of those started after the interactive job.
  expect(starts.slice(interactiveAt + 1).filter((s) => s.tenant === 'tenant-a').length).toBeGreaterThan(150);

  // While B's batch ran, A's and B's items alternated: neither tenant had the fleet to itself.
  const bItems = starts.map((s, i) => ({ ...s, i })).filter((s) => s.tenant === 'tenant-b' && s.jobId.startsWith(b.body.id));
  const window = starts.slice(bItems[0].i, bItems.at(-1)!.i + 1);
  const shareA = window.filter((s) => s.tenant === 'tenant-a').length / window.length;
  expect(shareA).toBeGreaterThan(0.25);
  expect(shareA).toBeLessThan(0.75);
  // B finished while A still had work: B was not queued behind A's 200 items.
  const lastA = starts.findLastIndex((s) => s.tenant === 'tenant-a');
  expect(bItems.at(-1)!.i).toBeLessThan(lastA);
});
