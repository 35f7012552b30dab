import { Queue, Worker, type Job } from 'bullmq';
import type { RedisClient as Redis } from '@vadfleet/platform/queue';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@vadfleet/shared/config';
import { BATCH_EXPAND_QUEUE_NAME, WEBHOOK_QUEUE_NAME } from '@vadfleet/shared/queue';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import type { DetectQueue } from '@vadfleet/platform/queue';
import { createBatchExpander } from './batch-expander.js';
import { BatchFeeder } from './batch-feeder.js';
import { BatchItems } from './batch-items.js';
import { BatchStore } from './batch-store.js';
import { createBatchWebhookProcessor } from './batch-webhook.js';
import { withBatchItemBookkeeping } from './item-bookkeeping.js';

export type BatchRuntimeConfig = Pick<
  WorkerConfig,
  | 'QUEUE_PREFIX'
  | 'LOCK_DURATION_MS'
  | 'STALLED_INTERVAL_MS'
  | 'BATCH_MAX_IN_FLIGHT_PER_TENANT'
  | 'BATCH_FEED_INTERVAL_MS'
  | 'WEBHOOK_ATTEMPTS'
  | 'WEBHOOK_ALLOWLIST'
  | 'WEBHOOK_ALLOW_PRIVATE'
  | 'WEBHOOK_TIMEOUT_MS'
  | 'WEBHOOK_SECRET'
  | 'WEBHOOK_SECRETS'
>;

export interface BatchRuntimeDeps {
  redis: Redis;
  detectQueue: DetectQueue;
  objectStore: ObjectStore;
  log: Logger;
  config: BatchRuntimeConfig;
}

/**
 * Everything a worker process runs for batches (docs/batches.md): the feeder that hands batch items to
 * the detection queue fairly, the bookkeeping around the detection processor, and the two small side
 * queues consumed here too (listing a batch's input, delivering its webhook).
 */
export class BatchRuntime {
  readonly store: BatchStore;
  private readonly feeder: BatchFeeder;
  private readonly items: BatchItems;
  private readonly webhookQueue: Queue;
  private readonly sideWorkers: Worker[];

  constructor(deps: BatchRuntimeDeps) {
    const { redis, config, log } = deps;
    this.store = new BatchStore(redis, config.QUEUE_PREFIX);
    this.webhookQueue = new Queue(WEBHOOK_QUEUE_NAME, { connection: redis, prefix: config.QUEUE_PREFIX });
    this.feeder = new BatchFeeder({ store: this.store, queue: deps.detectQueue, log, perTenant: config.BATCH_MAX_IN_FLIGHT_PER_TENANT, intervalMs: config.BATCH_FEED_INTERVAL_MS });
    this.items = new BatchItems({ store: this.store, objectStore: deps.objectStore, webhookQueue: this.webhookQueue, webhookAttempts: config.WEBHOOK_ATTEMPTS, onSlotFreed: () => this.feeder.poke() });
    const sideWorkerOptions = { connection: redis, prefix: config.QUEUE_PREFIX, concurrency: 1, lockDuration: config.LOCK_DURATION_MS, stalledInterval: config.STALLED_INTERVAL_MS, autorun: false };
    const expander = createBatchExpander({ batches: this.store, objectStore: deps.objectStore, log, onItems: () => this.feeder.poke(), onBatchCompleted: (id) => this.items.batchCompleted(id) });
    const webhook = createBatchWebhookProcessor({
      batches: this.store,
      log,
      allowlist: config.WEBHOOK_ALLOWLIST,
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      secret: config.WEBHOOK_SECRET,
      tenantSecrets: config.WEBHOOK_SECRETS,
    });
    this.sideWorkers = [new Worker(BATCH_EXPAND_QUEUE_NAME, expander, sideWorkerOptions), new Worker(WEBHOOK_QUEUE_NAME, webhook, { ...sideWorkerOptions, concurrency: 4 })];
    for (const side of this.sideWorkers) side.on('error', (err) => log.error({ err }, 'batch side worker error'));
  }

  /** The detection processor with the batch bookkeeping of items around it (see withBatchItemBookkeeping). */
  withItemBookkeeping<J extends Pick<Job, 'data' | 'attemptsMade' | 'opts'>>(processor: Parameters<typeof withBatchItemBookkeeping<J>>[0]) {
    return withBatchItemBookkeeping(processor, this.items);
  }

  /** Starts the side workers and the feeder (after the detection worker is ready). */
  start(log: Logger): void {
    for (const side of this.sideWorkers) void side.run().catch((err) => log.error({ err, queue: side.name }, 'batch side worker stopped'));
    this.feeder.start();
  }

  /** Stops handing out items and consuming the side queues; detection jobs still running may end items. */
  async stop(): Promise<void> {
    await this.feeder.stop();
    await Promise.allSettled(this.sideWorkers.map((side) => side.close()));
  }

  /** After the detection worker closed: the last items have ended (and queued their webhooks). */
  async close(): Promise<void> {
    await this.webhookQueue.close();
  }
}
