import { Queue } from 'bullmq';
import type { RedisClient as Redis } from '@vadfleet/platform/queue';
import { VadError } from '@vadfleet/shared/errors';
import { BATCH_EXPAND_JOB_NAME, BATCH_EXPAND_QUEUE_NAME, WEBHOOK_JOB_NAME, WEBHOOK_QUEUE_NAME, jobOptions, newJobId, parseBatchItemId } from '@vadfleet/shared/queue';
import type { BatchAccepted, BatchStatus, BatchView } from '@vadfleet/shared/schemas';
import { canonicalParams } from '@vadfleet/shared/vad-params';
import { requestFingerprint, type IdempotencyKeys } from '@vadfleet/platform/idempotency';
import type { DetectQueue } from '@vadfleet/platform/queue';
import { BatchItems } from './batch-items.js';
import type { BatchSpec } from './batch-spec.js';
import { BatchStore } from './batch-store.js';
import { batchView } from './batch-view.js';

export interface BatchCommandsDeps {
  redis: Redis;
  /** QUEUE_PREFIX. */
  prefix: string;
  detectQueue: DetectQueue;
  idempotency: IdempotencyKeys;
}

/** A batch request as the API accepted it; the output prefix defaults to `batches/<id>`. */
export type BatchRequest = Omit<BatchSpec, 'output'> & { output: Omit<BatchSpec['output'], 'prefix'> & { prefix?: string } };

/** What the API does to batches: start one, read it, cancel it, send its webhook again. */
export class BatchCommands {
  readonly store: BatchStore;
  private readonly expandQueue: Queue;
  private readonly webhookQueue: Queue;
  private readonly items: BatchItems;

  constructor(private readonly deps: BatchCommandsDeps) {
    this.store = new BatchStore(deps.redis, deps.prefix);
    this.expandQueue = new Queue(BATCH_EXPAND_QUEUE_NAME, { connection: deps.redis, prefix: deps.prefix });
    this.webhookQueue = new Queue(WEBHOOK_QUEUE_NAME, { connection: deps.redis, prefix: deps.prefix });
    // No feeder runs in the API: a freed slot is taken by the workers' next round.
    this.items = new BatchItems({ store: this.store, webhookQueue: this.webhookQueue, onSlotFreed: () => undefined });
  }

  /** Records the batch and queues its one expand job (id = the batch's), which lists page by page and resumes after a crash. */
  async submit(tenant: string, idempotencyKey: string | undefined, request: BatchRequest): Promise<BatchAccepted> {
    const { source, params, roles, output, webhookUrl } = request;
    const fingerprint = requestFingerprint([source, canonicalParams(params), roles, output, webhookUrl ?? null]);
    const { id, replayed } = await this.deps.idempotency.run({ tenant, kind: 'batch', key: idempotencyKey, fingerprint }, newJobId(), async (batchId) => {
      await this.store.create(batchId, tenant, { ...request, output: { ...output, prefix: output.prefix ?? `batches/${batchId}` } });
      await this.expandQueue.add(BATCH_EXPAND_JOB_NAME, { batchId }, jobOptions(BATCH_EXPAND_QUEUE_NAME, { jobId: batchId }));
    });
    const status = replayed ? ((await this.store.status(id)) ?? 'expanding') : 'expanding';
    return { id, status, links: { self: `/v1/batches/${id}`, results: `/v1/batches/${id}/results` } };
  }

  async view(tenant: string, batchId: string): Promise<BatchView> {
    return batchView(this.store, await this.store.getOwned(tenant, batchId));
  }

  /** A page of the tenant's batches, newest first (see BatchStore.list). */
  async list(tenant: string, limit: number, options: { cursor?: string; status?: BatchStatus }): Promise<{ items: BatchView[]; nextCursor: string | null }> {
    const page = await this.store.list(tenant, limit, options);
    return { items: await Promise.all(page.items.map((b) => batchView(this.store, b))), nextCursor: page.nextCursor };
  }

  /** Drops the items not started: pending ones in Redis, and those queued but not yet taken by a worker. */
  async cancel(tenant: string, batchId: string): Promise<BatchView> {
    const batch = await this.store.getOwned(tenant, batchId);
    if (!(await this.store.stop(batch.id, 'cancelled'))) throw new VadError('CONFLICT', `Batch ${batch.id} is already ${batch.status}.`);
    for (const itemId of await this.store.inFlight(batch.tenant)) {
      const { batchId: itemBatch, index } = parseBatchItemId(itemId);
      if (itemBatch !== batch.id) continue;
      // A locked (running) job refuses removal and finishes.
      const job = await this.deps.detectQueue.getJob(itemId);
      const removed = job ? await job.remove().then(() => true, () => false) : false;
      if (removed) await this.items.finished({ tenant: batch.tenant, batch: { id: batch.id, index } }, { outcome: 'cancelled', error: { code: 'JOB_CANCELLED', message: 'The batch was cancelled before this call started.' } });
    }
    return this.view(tenant, batch.id);
  }

  /** Queues one more delivery of a completed batch's webhook whose deliveries failed. */
  async redeliverWebhook(tenant: string, batchId: string): Promise<BatchView> {
    const batch = await this.store.getOwned(tenant, batchId);
    if (!batch.spec.webhookUrl) throw new VadError('CONFLICT', `Batch ${batch.id} has no webhook.`);
    if (batch.status !== 'completed') throw new VadError('CONFLICT', `Batch ${batch.id} is ${batch.status}; its webhook is sent when it completes.`);
    if (batch.webhookDelivered) throw new VadError('CONFLICT', `The webhook of batch ${batch.id} was delivered already.`);
    await this.webhookQueue.add(WEBHOOK_JOB_NAME, { batchId: batch.id }, jobOptions(WEBHOOK_QUEUE_NAME, { jobId: `${batch.id}-redeliver-${Date.now()}`, attempts: 1 }));
    return batchView(this.store, batch);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.expandQueue.close(), this.webhookQueue.close()]);
  }
}
