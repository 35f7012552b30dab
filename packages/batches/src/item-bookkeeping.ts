import type { Job } from 'bullmq';
import { decodeJobError, detectJobDataSchema, type DetectJobResult } from '@vadfleet/shared/queue';
import { isFinalFailure, toJobFailure } from '@vadfleet/platform/queue';
import type { BatchItemData, BatchItems } from './batch-items.js';
import type { ItemRecord } from './batch-spec.js';

type ItemJob = Pick<Job, 'data' | 'attemptsMade' | 'opts'>;
type DetectProcessor<J extends ItemJob> = (job: J, token?: string, signal?: AbortSignal) => Promise<DetectJobResult>;

export interface BatchItemBookkeeping<J extends ItemJob> {
  /** The processor, refusing an item whose batch stopped and recording the item's end in its batch. */
  processor: DetectProcessor<J>;
  /**
   * For the worker's `failed` event: records the final failure of an item the processor did not record,
   * i.e. one BullMQ failed without running it to the end (stalled more often than MAX_STALLED_COUNT).
   */
  failed(job: J | undefined, err: Error): Promise<void>;
}

const batchItemDataSchema = detectJobDataSchema.pick({ tenant: true, batch: true });

function itemData(job: ItemJob): BatchItemData | undefined {
  const parsed = batchItemDataSchema.safeParse(job.data);
  return parsed.success && parsed.data.batch ? parsed.data : undefined;
}

function failureRecord(failure: Error): ItemRecord {
  const error = decodeJobError(failure.message);
  return { outcome: error.code === 'JOB_CANCELLED' ? 'cancelled' : 'failed', error };
}

/**
 * Wraps the detection processor with the batch bookkeeping of items (jobs without `batch` pass
 * through). An item's end is recorded inside the job, as its last act: a worker killed after recording
 * but before BullMQ marked the job done makes BullMQ retry it, and the batch ignores the retry's record.
 * Failures are recorded when they are final. `recordEnd` is the one place that writes an item's end;
 * the `failed` backstop goes through it too, and skips jobs recorded already.
 */
export function withBatchItemBookkeeping<J extends ItemJob>(processor: DetectProcessor<J>, items: Pick<BatchItems, 'beforeStart' | 'finished'>): BatchItemBookkeeping<J> {
  const recorded = new WeakSet<J>();
  const recordEnd = async (job: J, data: BatchItemData, record: ItemRecord) => {
    await items.finished(data, record);
    recorded.add(job);
  };
  return {
    processor: async (job, token, signal) => {
      const data = itemData(job);
      if (!data) return processor(job, token, signal);
      // The processor throws job failures (toJobFailure) already; the bookkeeping's own errors become one.
      const failWith = async (failure: Error): Promise<never> => {
        if (isFinalFailure(failure, job.attemptsMade + 1, job)) await recordEnd(job, data, failureRecord(failure));
        throw failure;
      };
      await items.beforeStart(data).catch((err) => failWith(toJobFailure(err)));
      const result = await processor(job, token, signal).catch((err: Error) => failWith(err));
      const warnings = result.warnings?.length ? { warnings: result.warnings } : {};
      await recordEnd(job, data, { outcome: 'completed', result: result.result, durationMs: result.durationMs, ...warnings }).catch((err) => failWith(toJobFailure(err)));
      return result;
    },
    failed: async (job, err) => {
      const data = job && !recorded.has(job) ? itemData(job) : undefined;
      if (job && data && isFinalFailure(err, job.attemptsMade, job)) await recordEnd(job, data, failureRecord(err));
    },
  };
}
