import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { keyspaceNodes, type RedisClient as Redis } from '@vadfleet/platform/queue';
import { VadError, type ErrorData } from '@vadfleet/shared/errors';
import { decodeCursor, encodeCursor } from '@vadfleet/shared/page-cursor';
import { FLEET_BUCKET_MS, parseBatchItemId, queueKeys } from '@vadfleet/shared/queue';
import { batchStatusSchema, errorDataSchema, webhookAttemptSchema, type BatchStatus } from '@vadfleet/shared/schemas';
import { APPEND_PAGE, FEED, FINISH_ITEM, STOP } from './batch-scripts.js';
import { batchSpecSchema, decodeItemRecord, encodeItemRecord, listedObjectSchema, type BatchSpec, type ItemRecord, type ListedObject, type WebhookAttempt } from './batch-spec.js';

/**
 * Batches in Redis (design: docs/batches.md). Every counter changes inside a Lua script (batch-scripts),
 * so many workers finishing items at once never lose an update, and an item's terminal state is written
 * with HSETNX: a call retried after a worker crash is counted once.
 */

export interface BatchState {
  id: string;
  tenant: string;
  status: BatchStatus;
  spec: BatchSpec;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  listed: boolean;
  cursor: string | null;
  total: number;
  inFlight: number;
  completed: number;
  failed: number;
  cancelled: number;
  audioMs: number;
  error?: ErrorData;
  webhookDelivered: boolean;
}

/** Batch metadata outlives the batch by as long as job results are kept by BullMQ's failed retention. */
const RETENTION_SECONDS = 8 * 86_400;
/** Batch ids read from a tenant's index per round trip while a page is filled (a status filter may skip many). */
const LIST_CHUNK = 100;
/** The fleet-throughput window: buckets of FLEET_BUCKET_MS over the last five minutes. */
const FLEET_WINDOW_BUCKETS = 30;

const FINISHED: readonly BatchStatus[] = ['completed', 'cancelled', 'failed'];

/** A literal in a Redis MATCH pattern. */
const escapeGlob = (s: string) => s.replace(/[[\]?*\\]/g, '\\$&');

type Scripts = {
  appendPage(keys: string[], args: (string | number)[]): Promise<number>;
  feed(keys: string[], args: (string | number)[]): Promise<string[]>;
  finishItem(keys: string[], args: (string | number | Buffer)[]): Promise<[number, string]>;
  stopBatch(keys: string[], args: (string | number)[]): Promise<number>;
};

export class BatchStore {
  private readonly keys: ReturnType<typeof queueKeys>;
  private readonly scripts: Scripts;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = queueKeys(prefix);
    // defineCommand is idempotent per connection; EVALSHA with EVAL fallback.
    redis.defineCommand('vadfleetBatchAppendPage', { lua: APPEND_PAGE });
    redis.defineCommand('vadfleetBatchFeed', { lua: FEED });
    redis.defineCommand('vadfleetBatchFinishItem', { lua: FINISH_ITEM, numberOfKeys: 6 });
    redis.defineCommand('vadfleetBatchStop', { lua: STOP, numberOfKeys: 3 });
    const r = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    this.scripts = {
      appendPage: (keys, args) => r.vadfleetBatchAppendPage(keys.length, ...keys, ...args) as Promise<number>,
      feed: (keys, args) => r.vadfleetBatchFeed(keys.length, ...keys, ...args) as Promise<string[]>,
      finishItem: (keys, args) => r.vadfleetBatchFinishItem(...keys, ...args) as Promise<[number, string]>,
      stopBatch: (keys, args) => r.vadfleetBatchStop(...keys, ...args) as Promise<number>,
    };
  }

  /**
   * Records a new batch in state `expanding` and in its tenant's index (entries older than the batch
   * retention are pruned here, so the index holds only batches that may still exist); the expand job
   * then lists its input.
   */
  async create(batchId: string, tenant: string, spec: BatchSpec, now = Date.now()): Promise<void> {
    const key = this.keys.batch(batchId);
    const index = this.keys.tenantBatches(tenant);
    await this.redis
      .multi()
      .hset(key, { tenant, status: 'expanding', spec: JSON.stringify(spec), createdAt: String(now), total: '0', cursor: '' })
      .expire(key, RETENTION_SECONDS)
      .sadd(this.keys.activeBatches, batchId)
      .zadd(index, now, batchId)
      .zremrangebyscore(index, '-inf', now - RETENTION_SECONDS * 1000)
      .expire(index, RETENTION_SECONDS)
      .exec();
  }

  /**
   * A page of the tenant's batches, newest first, optionally only those in `status`. The index is read
   * in chunks until the page is full, so a filter that skips many batches still answers a full page.
   * Ids whose batch expired are dropped from the index.
   */
  async list(tenant: string, limit: number, options: { cursor?: string; status?: BatchStatus } = {}): Promise<{ items: BatchState[]; nextCursor: string | null }> {
    const index = this.keys.tenantBatches(tenant);
    let max = '+inf';
    let after = (_score: number, _id: string) => true;
    if (options.cursor) {
      const [score, lastId] = decodeCursor(options.cursor);
      max = String(score);
      // Members with equal scores come in reverse lexical order: those up to the cursor's were served.
      after = (s, id) => s < score || id < lastId;
    }
    const items: BatchState[] = [];
    const gone: string[] = [];
    let more = false;
    for (let offset = 0; !more; offset += LIST_CHUNK) {
      const raw = await this.redis.zrevrangebyscore(index, max, '-inf', 'WITHSCORES', 'LIMIT', offset, LIST_CHUNK);
      const entries: [string, number][] = [];
      for (let i = 0; i < raw.length; i += 2) if (after(Number(raw[i + 1]), raw[i])) entries.push([raw[i], Number(raw[i + 1])]);
      const states = await Promise.all(entries.map(([id]) => this.get(id)));
      entries.forEach(([id], i) => states[i] || gone.push(id));
      for (const state of states) {
        if (!state || state.tenant !== tenant || (options.status && state.status !== options.status)) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(state);
      }
      if (raw.length < 2 * LIST_CHUNK) break;
    }
    // After the walk: removing while walking would shift the offsets.
    if (gone.length) await this.redis.zrem(index, ...gone);
    const last = items.at(-1);
    return { items, nextCursor: more && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  /** Only the batch's status (null when it is gone): what every item checks before it starts, without the spec. */
  async status(batchId: string): Promise<BatchStatus | null> {
    const status = await this.redis.hget(this.keys.batch(batchId), 'status');
    return status === null ? null : batchStatusSchema.parse(status);
  }

  async get(batchId: string): Promise<BatchState | null> {
    const raw = await this.redis.hgetall(this.keys.batch(batchId));
    if (!raw.tenant) return null;
    const n = (v: string | undefined) => (v ? Number(v) : 0);
    return {
      id: batchId,
      tenant: raw.tenant,
      status: batchStatusSchema.parse(raw.status),
      spec: batchSpecSchema.parse(JSON.parse(raw.spec)),
      createdAt: n(raw.createdAt),
      startedAt: raw.startedAt ? Number(raw.startedAt) : undefined,
      finishedAt: raw.finishedAt ? Number(raw.finishedAt) : undefined,
      listed: raw.listed === '1',
      cursor: raw.cursor || null,
      total: n(raw.total),
      inFlight: n(raw.inflight),
      completed: n(raw.completed),
      failed: n(raw.failed),
      cancelled: n(raw.cancelled),
      audioMs: n(raw.audioMs),
      error: raw.error ? errorDataSchema.parse(JSON.parse(raw.error)) : undefined,
      webhookDelivered: raw.webhookDelivered === '1',
    };
  }

  /** The batch if it belongs to `tenant`; NOT_FOUND otherwise (another tenant's batch does not exist). */
  async getOwned(tenant: string, batchId: string): Promise<BatchState> {
    const state = await this.get(batchId);
    if (!state || state.tenant !== tenant) throw new VadError('NOT_FOUND', `No batch ${batchId} for this API key.`);
    return state;
  }

  /**
   * Appends one listed page (items, the cursor after it, whether it was the last) in one atomic step, so
   * a restarted expansion resumes exactly after the last page stored. `expectedTotal` is the total the
   * caller read with the cursor: a mismatch means another expander stored this page already.
   */
  async appendPage(batch: BatchState, expectedTotal: number, objects: readonly ListedObject[], skipped: number, nextCursor: string | null): Promise<'appended' | 'finished' | 'stale' | 'stopped'> {
    const k = this.keys;
    const result = await this.scripts.appendPage(
      [k.batch(batch.id), k.batchItems(batch.id), k.batchPending(batch.id), k.feederTenantBatches(batch.tenant), k.feederTenants, k.batchItemTotals, k.activeBatches],
      [expectedTotal, nextCursor ?? '', nextCursor === null ? '1' : '0', batch.id, batch.tenant, skipped, Date.now(), ...objects.map((o) => JSON.stringify(o))],
    );
    if (objects.length) await this.redis.multi().expire(k.batchItems(batch.id), RETENTION_SECONDS).expire(k.batchPending(batch.id), RETENTION_SECONDS).exec();
    return result === 2 ? 'finished' : result === 1 ? 'appended' : result === -1 ? 'stale' : 'stopped';
  }

  /** Hands out up to `max` pending items (see FEED); at most `perTenant` of a tenant's items in flight. */
  async feed(perTenant: number, max: number): Promise<{ tenant: string; itemId: string }[]> {
    const k = this.keys;
    const tenants = await this.redis.lrange(k.feederTenants, 0, -1);
    if (!tenants.length) return [];
    const lists = tenants.reduce((p, tenant) => p.lrange(k.feederTenantBatches(tenant), 0, -1), this.redis.pipeline());
    const batchesOf = ((await lists.exec()) ?? []).map(([err, ids]) => {
      if (err) throw err;
      return ids as string[];
    });
    const keys = [k.feederTenants];
    const args: (string | number)[] = [perTenant, Date.now(), max, tenants.length];
    tenants.forEach((tenant, i) => {
      keys.push(k.feederInFlight(tenant), k.feederTenantBatches(tenant));
      args.push(tenant, batchesOf[i].length);
      for (const batchId of batchesOf[i]) {
        keys.push(k.batch(batchId), k.batchPending(batchId));
        args.push(batchId);
      }
    });
    const flat = await this.scripts.feed(keys, args);
    const out: { tenant: string; itemId: string }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ tenant: flat[i], itemId: flat[i + 1] });
    return out;
  }

  /** Every in-flight item id of a tenant (reconciliation, cancellation). */
  inFlight(tenant: string): Promise<string[]> {
    return this.redis.smembers(this.keys.feederInFlight(tenant));
  }

  /** Tenants that have in-flight-set keys (SCAN: reconciliation only, every few tens of seconds). */
  async tenantsInFlight(): Promise<string[]> {
    const pattern = this.keys.feederInFlight('*');
    const head = pattern.slice(0, pattern.indexOf('*'));
    const tail = pattern.slice(pattern.indexOf('*') + 1);
    const tenants = new Set<string>();
    for (const node of keyspaceNodes(this.redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', escapeGlob(head) + '*' + escapeGlob(tail), 'COUNT', 500);
        for (const key of keys) tenants.add(key.slice(head.length, key.length - tail.length));
        cursor = next;
      } while (cursor !== '0');
    }
    return [...tenants];
  }

  async isItemDone(batchId: string, index: number): Promise<boolean> {
    return (await this.redis.hexists(this.keys.batchDone(batchId), String(index))) === 1;
  }

  async item(batchId: string, index: number): Promise<ListedObject | null> {
    const raw = await this.redis.hget(this.keys.batchItems(batchId), String(index));
    return raw ? listedObjectSchema.parse(JSON.parse(raw)) : null;
  }

  /**
   * Records an item's terminal state. Only the first call for an item counts (HSETNX); `counted` says
   * whether this was it. `status` is the batch's status afterwards ('completed' once the last item ends).
   * A completed item's result JSON (`resultJson`, as stored in S3) is kept beside its record, deflated
   * (JSON of numbers shrinks about fivefold), so the results stream reads Redis only.
   */
  async finishItem(tenant: string, itemId: string, record: ItemRecord, resultJson?: string): Promise<{ counted: boolean; status: BatchStatus }> {
    const { batchId, index } = parseBatchItemId(itemId);
    const k = this.keys;
    const [counted, status] = await this.scripts.finishItem(
      [k.batch(batchId), k.batchDone(batchId), k.feederInFlight(tenant), k.activeBatches, k.batchItemTotals, k.batchResults(batchId)],
      [index, itemId, encodeItemRecord(record), record.outcome, Math.round(record.durationMs ?? 0), Date.now(), batchId, resultJson ? deflateRawSync(resultJson) : ''],
    );
    if (counted) await this.redis.multi().expire(k.batchDone(batchId), RETENTION_SECONDS).expire(k.batchResults(batchId), RETENTION_SECONDS).exec();
    return { counted: counted === 1, status: status as BatchStatus };
  }

  /** Stops a batch: pending items are dropped and counted cancelled. False if it had already ended. */
  async stop(batchId: string, status: 'cancelled' | 'failed', error?: ErrorData): Promise<boolean> {
    const k = this.keys;
    const dropped = await this.scripts.stopBatch([k.batch(batchId), k.batchPending(batchId), k.activeBatches], [status, Date.now(), batchId, error ? JSON.stringify(error) : '']);
    return dropped >= 0;
  }

  /**
   * Items `from`..`from+count-1` with their terminal records (null while not finished) and, for items
   * completed since results were kept in Redis, their result JSON text.
   */
  async itemsPage(batchId: string, from: number, count: number): Promise<{ index: number; object: ListedObject | null; record: ItemRecord | null; resultJson?: string }[]> {
    const fields = Array.from({ length: count }, (_, i) => String(from + i));
    if (!fields.length) return [];
    const k = this.keys;
    const [objects, records, results] = await Promise.all([
      this.redis.hmget(k.batchItems(batchId), ...fields),
      this.redis.hmget(k.batchDone(batchId), ...fields),
      this.redis.hmgetBuffer(k.batchResults(batchId), ...fields),
    ]);
    return fields.map((_, i) => ({
      index: from + i,
      object: objects[i] ? listedObjectSchema.parse(JSON.parse(objects[i]!)) : null,
      record: records[i] ? decodeItemRecord(records[i]!) : null,
      resultJson: results[i] ? inflateRawSync(results[i]!).toString('utf8') : undefined,
    }));
  }

  isFinished(status: BatchStatus): boolean {
    return FINISHED.includes(status);
  }

  // ---- webhook deliveries ----

  async recordWebhookAttempt(batchId: string, attempt: WebhookAttempt): Promise<void> {
    const key = this.keys.batchWebhookAttempts(batchId);
    const multi = this.redis.multi().rpush(key, JSON.stringify(attempt)).ltrim(key, -50, -1).expire(key, RETENTION_SECONDS);
    if (attempt.ok) multi.hset(this.keys.batch(batchId), 'webhookDelivered', '1');
    await multi.exec();
  }

  async webhookAttempts(batchId: string): Promise<WebhookAttempt[]> {
    return (await this.redis.lrange(this.keys.batchWebhookAttempts(batchId), 0, -1)).map((a) => webhookAttemptSchema.parse(JSON.parse(a)));
  }

  // ---- fleet throughput and metrics ----

  /** Adds a finished job's audio to the current fleet-throughput bucket. */
  async recordFleetAudio(audioMs: number, now = Date.now()): Promise<void> {
    const key = this.keys.fleetAudioBucket(Math.floor(now / FLEET_BUCKET_MS));
    await this.redis.multi().incrby(key, Math.round(audioMs)).expire(key, Math.ceil((FLEET_WINDOW_BUCKETS * FLEET_BUCKET_MS) / 1000) + 60).exec();
  }

  /**
   * Audio seconds per wall-clock second over the busy buckets of the last five minutes (idle buckets are
   * left out: an idle fleet is not a slow one). Null with no recent work. The current bucket is partial,
   * so it is left out unless it is the only one.
   */
  async fleetThroughput(now = Date.now()): Promise<number | null> {
    const current = Math.floor(now / FLEET_BUCKET_MS);
    const buckets = Array.from({ length: FLEET_WINDOW_BUCKETS + 1 }, (_, i) => current - i);
    const values = (await this.redis.mget(...buckets.map((b) => this.keys.fleetAudioBucket(b)))).map((v) => Number(v ?? 0));
    const full = values.slice(1).filter((v) => v > 0);
    if (full.length) return full.reduce((a, b) => a + b, 0) / (full.length * FLEET_BUCKET_MS);
    const partialMs = now - current * FLEET_BUCKET_MS;
    return values[0] > 0 && partialMs > 0 ? values[0] / partialMs : null;
  }

  /** Fleet-wide item counts by outcome and the number of unfinished batches. */
  async metricsSnapshot(): Promise<{ items: Record<string, number>; active: number }> {
    const [items, active] = await Promise.all([this.redis.hgetall(this.keys.batchItemTotals), this.redis.scard(this.keys.activeBatches)]);
    return { items: Object.fromEntries(Object.entries(items).map(([k, v]) => [k, Number(v)])), active };
  }
}
