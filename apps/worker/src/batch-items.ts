import type { Queue } from 'bullmq';
import { VadError } from '@vadfleet/shared/errors';
import { WEBHOOK_JOB_NAME, batchItemId, type DetectJobData } from '@vadfleet/shared/queue';
import type { BatchStore, ItemRecord } from '@vadfleet/platform/batch-store';

export interface BatchItemsOptions {
  store: BatchStore;
  webhookQueue: Queue;
  webhookAttempts: number;
  /** Called when an item ends (its tenant's slot is free): the feeder tops up at once. */
  onSlotFreed(): void;
}

/** The retention and retry policy of webhook jobs. */
export function webhookJobOptions(attempts: number, jobId: string) {
  return { jobId, attempts, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 7 * 86_400 } };
}

/**
 * What a detection job does differently when it is a batch item: it is refused if its batch was
 * cancelled meanwhile, and its terminal state is recorded once in the batch (the last item to end
 * completes the batch and enqueues its webhook).
 */
export class BatchItems {
  constructor(private readonly options: BatchItemsOptions) {}

  async beforeStart(data: DetectJobData): Promise<void> {
    if (!data.batch) return;
    const status = await this.options.store.status(data.batch.id);
    if (!status || status === 'cancelled' || status === 'failed') throw new VadError('JOB_CANCELLED', 'The batch was cancelled before this call started.');
  }

  /** Idempotent: a second call for the same item (retry after a crash, the failed-event backstop) is not counted. */
  async finished(data: DetectJobData, record: ItemRecord): Promise<boolean> {
    if (!data.batch) return false;
    const { store } = this.options;
    const { counted, status } = await store.finishItem(data.tenant, batchItemId(data.batch.id, data.batch.index), record);
    this.options.onSlotFreed();
    if (status === 'completed') await this.batchCompleted(data.batch.id);
    return counted;
  }

  /** Enqueues the batch's webhook; the job id makes a second call (a retried last item) a no-op. */
  async batchCompleted(batchId: string): Promise<void> {
    const batch = await this.options.store.get(batchId);
    if (!batch?.spec.webhookUrl) return;
    await this.options.webhookQueue.add(WEBHOOK_JOB_NAME, { batchId }, webhookJobOptions(this.options.webhookAttempts, `${batchId}-webhook`));
  }
}
