import type { Queue } from 'bullmq';
import { VadError } from '@vadfleet/shared/errors';
import { WEBHOOK_JOB_NAME, WEBHOOK_QUEUE_NAME, batchItemId, jobOptions, type DetectJobData } from '@vadfleet/shared/queue';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import type { ItemRecord } from './batch-spec.js';
import type { BatchStore } from './batch-store.js';

export interface BatchItemsOptions {
  store: BatchStore;
  webhookQueue: Queue;
  /** WEBHOOK_ATTEMPTS (default: the webhook queue's, see jobOptions). */
  webhookAttempts?: number;
  /**
   * Where completed items' result JSONs are read once, as they end, to be kept beside their records
   * (the results stream then reads no S3 object per line). Without it (the API, which only records
   * cancellations) no result is kept.
   */
  objectStore?: Pick<ObjectStore, 'getBytes'>;
  /** Called when an item ends (its tenant's slot is free): the feeder tops up at once. */
  onSlotFreed(): void;
}

/** The part of a detection job's data that says which batch item it is. */
export type BatchItemData = Pick<DetectJobData, 'tenant' | 'batch'>;

/**
 * What a detection job means to its batch when it is a batch item: it is refused if its batch was
 * cancelled meanwhile, and its terminal state is recorded once in the batch (the last item to end
 * completes the batch and enqueues its webhook). Used through withBatchItemBookkeeping.
 */
export class BatchItems {
  constructor(private readonly options: BatchItemsOptions) {}

  async beforeStart(data: BatchItemData): Promise<void> {
    if (!data.batch) return;
    const status = await this.options.store.status(data.batch.id);
    if (!status || status === 'cancelled' || status === 'failed') throw new VadError('JOB_CANCELLED', 'The batch was cancelled before this call started.');
  }

  /** Idempotent: a second call for the same item (a retry after a crash) is not counted. */
  async finished(data: BatchItemData, record: ItemRecord): Promise<boolean> {
    if (!data.batch) return false;
    const { store } = this.options;
    const { counted, status } = await store.finishItem(data.tenant, batchItemId(data.batch.id, data.batch.index), record, await this.resultJson(record));
    this.options.onSlotFreed();
    if (status === 'completed') await this.batchCompleted(data.batch.id);
    return counted;
  }

  /** The completed item's result JSON as stored; undefined when it cannot be read now (the stream then reads it from S3). */
  private async resultJson(record: ItemRecord): Promise<string | undefined> {
    const ref = record.outcome === 'completed' ? record.result : undefined;
    if (!ref || !this.options.objectStore) return undefined;
    return this.options.objectStore.getBytes(ref.bucket, ref.key).then(
      (bytes) => bytes.toString('utf8'),
      () => undefined,
    );
  }

  /** Enqueues the batch's webhook; the job id makes a second call (a retried last item) a no-op. */
  async batchCompleted(batchId: string): Promise<void> {
    const batch = await this.options.store.get(batchId);
    if (!batch?.spec.webhookUrl) return;
    await this.options.webhookQueue.add(WEBHOOK_JOB_NAME, { batchId }, jobOptions(WEBHOOK_QUEUE_NAME, { jobId: `${batchId}-webhook`, attempts: this.options.webhookAttempts }));
  }
}
