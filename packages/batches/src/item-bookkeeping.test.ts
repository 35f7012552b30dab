import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { VadError } from '@vadfleet/shared/errors';
import { encodeJobError, type DetectJobResult } from '@vadfleet/shared/queue';
import type { BatchItemData } from './batch-items.js';
import type { ItemRecord } from './batch-spec.js';
import { withBatchItemBookkeeping } from './item-bookkeeping.js';

// Pure logic: which end is recorded, when, and how often. BatchItems itself runs against Redis in
// batch-store.test.ts and in the worker's batch system tests.
const RESULT: DetectJobResult = { result: { bucket: 'out', key: 'r.json' }, cached: false, durationMs: 6000, channels: 2, timings: {} };
const item = (attemptsMade = 0, attempts = 5) => ({ data: { tenant: 't', batch: { id: 'b', index: 3 } }, attemptsMade, opts: { attempts } });

function fakeItems(stopped = false) {
  const ends: ItemRecord[] = [];
  return {
    ends,
    items: {
      beforeStart: async (_: BatchItemData) => {
        if (stopped) throw new VadError('JOB_CANCELLED', 'The batch was cancelled before this call started.');
      },
      finished: async (_: BatchItemData, record: ItemRecord) => {
        ends.push(record);
        return true;
      },
    },
  };
}

describe('withBatchItemBookkeeping', () => {
  it('records a completed item once, and leaves jobs that are not batch items alone', async () => {
    const { ends, items } = fakeItems();
    const { processor, failed } = withBatchItemBookkeeping(async () => RESULT, items);
    const job = item();
    expect(await processor(job)).toBe(RESULT);
    await failed(job, new Error('x')); // the backstop does not record it again
    expect(await processor({ data: { tenant: 't' }, attemptsMade: 0, opts: {} })).toBe(RESULT);
    expect(ends).toEqual([{ outcome: 'completed', result: RESULT.result, durationMs: 6000 }]);
  });

  it('records a failure only when it is final, with its code', async () => {
    const { ends, items } = fakeItems();
    const retryable = new Error(encodeJobError({ code: 'STORAGE_UNAVAILABLE', message: 'S3 down' }));
    const { processor } = withBatchItemBookkeeping(async () => Promise.reject(retryable), items);
    await expect(processor(item(0, 5))).rejects.toBe(retryable);
    expect(ends).toEqual([]);
    await expect(processor(item(4, 5))).rejects.toBe(retryable); // the last attempt
    const bad = new UnrecoverableError(encodeJobError({ code: 'INVALID_AUDIO', message: 'bad header' }));
    const { processor: failing } = withBatchItemBookkeeping(async () => Promise.reject(bad), items);
    await expect(failing(item(0, 5))).rejects.toBe(bad);
    expect(ends).toEqual([
      { outcome: 'failed', error: { code: 'STORAGE_UNAVAILABLE', message: 'S3 down' } },
      { outcome: 'failed', error: { code: 'INVALID_AUDIO', message: 'bad header' } },
    ]);
  });

  it('refuses an item of a stopped batch without running it: cancelled, not retried', async () => {
    const { ends, items } = fakeItems(true);
    let ran = false;
    const { processor } = withBatchItemBookkeeping(async () => ((ran = true), RESULT), items);
    const err = await processor(item()).catch((e: Error) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(ran).toBe(false);
    expect(ends).toEqual([{ outcome: 'cancelled', error: { code: 'JOB_CANCELLED', message: 'The batch was cancelled before this call started.' } }]);
  });

  it('the failed backstop records a final failure the processor never saw (stalled too often)', async () => {
    const { ends, items } = fakeItems();
    const { failed } = withBatchItemBookkeeping(async () => RESULT, items);
    await failed(item(1, 5), new Error('job stalled more than allowable limit')); // not final: BullMQ retries
    await failed(item(5, 5), new Error('job stalled more than allowable limit'));
    await failed(undefined, new Error('x'));
    expect(ends).toEqual([{ outcome: 'failed', error: { code: 'INTERNAL', message: 'An internal error occurred.' } }]);
  });
});
