import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { toVadError } from '@vadfleet/shared/errors';
import { batchExpandJobDataSchema } from '@vadfleet/shared/queue';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import { isFinalFailure, toJobFailure } from '@vadfleet/platform/queue';
import { listBatchPage } from './batch-listing.js';
import type { BatchStore } from './batch-store.js';

export interface BatchExpanderDeps {
  batches: BatchStore;
  objectStore: ObjectStore;
  log: Logger;
  /** New items are pending: hand them out now. */
  onItems(): void;
  /** The batch finished while listing (nothing to process, or every item already done). */
  onBatchCompleted(batchId: string): Promise<void>;
}

/**
 * The "batch-expand" job: lists a batch's input one page at a time and appends each page (items and the
 * cursor after it, atomically) to the batch. Only one page is in memory; a retried job (worker crash,
 * S3 outage) resumes after the last page stored. Listing errors that retrying cannot fix, or the last
 * retry, end the batch as failed.
 */
export function createBatchExpander(deps: BatchExpanderDeps) {
  return async (job: Job): Promise<{ total: number }> => {
    const { batchId } = batchExpandJobDataSchema.parse(job.data);
    let state = await deps.batches.get(batchId);
    while (state && state.status === 'expanding') {
      let page;
      try {
        page = await listBatchPage(deps.objectStore, state.spec.source, state.cursor);
      } catch (err) {
        const failure = toJobFailure(err);
        if (!isFinalFailure(failure, job.attemptsMade + 1, job)) throw failure;
        const error = toVadError(err);
        await deps.batches.stop(batchId, 'failed', error.toData());
        deps.log.warn({ batchId, code: error.code }, 'batch listing failed');
        throw new UnrecoverableError(failure.message);
      }
      const outcome = await deps.batches.appendPage(state, state.total, page.objects, page.skipped, page.nextCursor);
      if (page.objects.length) deps.onItems();
      if (outcome === 'finished') await deps.onBatchCompleted(batchId);
      state = await deps.batches.get(batchId);
    }
    if (state) deps.log.info({ batchId, total: state.total, status: state.status }, 'batch listed');
    return { total: state?.total ?? 0 };
  };
}
