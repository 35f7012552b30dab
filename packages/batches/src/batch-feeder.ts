import type { Logger } from 'pino';
import { BATCH_ITEM_PRIORITY, DETECT_JOB_NAME, DETECT_QUEUE_NAME, jobOptions, parseBatchItemId, type DetectJobData } from '@vadfleet/shared/queue';
import type { DetectQueue } from '@vadfleet/platform/queue';
import type { BatchSpec } from './batch-spec.js';
import type { BatchStore } from './batch-store.js';

export interface BatchFeederOptions {
  store: BatchStore;
  queue: DetectQueue;
  log: Logger;
  /** BATCH_MAX_IN_FLIGHT_PER_TENANT. */
  perTenant: number;
  intervalMs: number;
  /** How often in-flight items whose queue job is missing (a feeder crashed mid-hand-over) are re-added. */
  reconcileIntervalMs?: number;
}

/** Most items handed to the queue in one round. */
const MAX_PER_ROUND = 500;
const SPEC_CACHE_SIZE = 256;

/**
 * Moves batch items from their batches' pending lists into the detection queue: round-robin across
 * tenants, at most `perTenant` of a tenant's items queued or running, with a priority below interactive
 * jobs. Every worker runs one; the hand-out is one Lua script, so feeders never hand out an item twice.
 */
export class BatchFeeder {
  private timer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly specs = new Map<string, { tenant: string; spec: BatchSpec; createdAt: number }>();

  constructor(private readonly options: BatchFeederOptions) {}

  start(): void {
    this.timer = setInterval(() => this.poke(), this.options.intervalMs);
    this.reconcileTimer = setInterval(() => void this.reconcile().catch((err) => this.options.log.warn({ err }, 'batch reconcile failed')), this.options.reconcileIntervalMs ?? 30_000);
    this.poke();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.reconcileTimer);
    await this.running;
  }

  /** Runs a round now (or right after the current one). */
  poke(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((err) => this.options.log.warn({ err }, 'batch feeder round failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  private async round(): Promise<void> {
    const handed = await this.options.store.feed(this.options.perTenant, MAX_PER_ROUND);
    if (handed.length) await this.enqueue(handed.map((h) => h.itemId));
  }

  private async enqueue(itemIds: string[]): Promise<void> {
    const jobs = [];
    for (const itemId of itemIds) {
      const { batchId, index } = parseBatchItemId(itemId);
      const batch = await this.spec(batchId);
      const object = await this.options.store.item(batchId, index);
      if (!batch || !object) continue;
      const data: DetectJobData = {
        tenant: batch.tenant,
        input: { bucket: batch.spec.source.bucket, key: object.key, etag: object.etag, size: object.size },
        params: batch.spec.params,
        output: batch.spec.output,
        roles: batch.spec.roles,
        acceptedAt: batch.createdAt,
        source: 's3',
        batch: { id: batchId, index },
      };
      // The item id is the job id: adding it again (reconciliation) is a no-op while the job exists.
      jobs.push({ name: DETECT_JOB_NAME, data, opts: jobOptions(DETECT_QUEUE_NAME, { jobId: itemId, priority: BATCH_ITEM_PRIORITY }) });
    }
    if (jobs.length) await this.options.queue.addBulk(jobs as Parameters<DetectQueue['addBulk']>[0]);
  }

  private async spec(batchId: string) {
    let entry = this.specs.get(batchId);
    if (!entry) {
      const state = await this.options.store.get(batchId);
      if (!state) return undefined;
      if (this.specs.size >= SPEC_CACHE_SIZE) this.specs.clear();
      entry = { tenant: state.tenant, spec: state.spec, createdAt: state.createdAt };
      this.specs.set(batchId, entry);
    }
    return entry;
  }

  /**
   * Re-adds in-flight items that have neither a queue job nor a terminal record: a worker that crashed
   * between the Lua hand-out and addBulk leaves such items, which would otherwise hold their tenant's slot.
   */
  async reconcile(): Promise<void> {
    const { store, queue } = this.options;
    for (const tenant of await store.tenantsInFlight()) {
      const missing: string[] = [];
      for (const itemId of await store.inFlight(tenant)) {
        if (await queue.getJob(itemId)) continue;
        const { batchId, index } = parseBatchItemId(itemId);
        if (!(await store.isItemDone(batchId, index))) missing.push(itemId);
      }
      if (missing.length) {
        this.options.log.warn({ tenant, items: missing.length }, 'batch items without a queue job re-added');
        await this.enqueue(missing);
      }
    }
  }
}
