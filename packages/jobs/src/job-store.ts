import type { Job } from 'bullmq';
import type { RedisClient as Redis } from '@vadfleet/platform/queue';
import { VadError } from '@vadfleet/shared/errors';
import { DETECT_JOB_NAME, queueKeys, type DetectJobData } from '@vadfleet/shared/queue';
import { decodeCursor, encodeCursor } from '@vadfleet/shared/page-cursor';
import { isoTimestamp, type JobView } from '@vadfleet/shared/schemas';
import type { DetectQueue } from '@vadfleet/platform/queue';
import { requestCancellation } from '@vadfleet/platform/cancel-signal';
import { jobView } from './job-view.js';

/** Index entries and job metadata outlive BullMQ's longest retention (failed jobs: 7 days) by a day. */
const INDEX_RETENTION_MS = 8 * 24 * 3600 * 1000;

type QueueJob = Job<DetectJobData, unknown, string>;

export type CancelOutcome = { kind: 'cancelled'; view: JobView } | { kind: 'signalled'; view: JobView };

interface JobMeta {
  tenant: string;
  acceptedAt: number;
  status?: 'cancelled';
  cancelledAt?: number;
}

interface Loaded {
  meta: JobMeta | null;
  job: QueueJob | undefined;
  state: string;
}

interface Found {
  view: JobView;
  job: QueueJob | undefined;
  state: string;
}

function parseMeta(raw: Record<string, string>): JobMeta | null {
  if (!raw.tenant) return null;
  return {
    tenant: raw.tenant,
    acceptedAt: Number(raw.acceptedAt),
    status: raw.status === 'cancelled' ? 'cancelled' : undefined,
    cancelledAt: raw.cancelledAt ? Number(raw.cancelledAt) : undefined,
  };
}

/**
 * The API's view of jobs: enqueueing with idempotency, the per-tenant index (listing, isolation,
 * cancelled status that outlives the removed BullMQ job), status views and cancellation.
 */
export class JobStore {
  private readonly keys: ReturnType<typeof queueKeys>;

  constructor(
    private readonly redis: Redis,
    private readonly queue: DetectQueue,
    private readonly prefix: string,
  ) {
    this.keys = queueKeys(prefix);
  }

  /** Indexes the job under its tenant, then enqueues it. */
  async enqueue(jobId: string, data: DetectJobData): Promise<void> {
    const meta = this.keys.jobMeta(jobId);
    const index = this.keys.tenantJobs(data.tenant);
    await this.redis
      .multi()
      .hset(meta, { tenant: data.tenant, acceptedAt: String(data.acceptedAt) })
      .pexpire(meta, INDEX_RETENTION_MS)
      .zadd(index, data.acceptedAt, jobId)
      .zremrangebyscore(index, '-inf', data.acceptedAt - INDEX_RETENTION_MS)
      .pexpire(index, INDEX_RETENTION_MS)
      .exec();
    await this.queue.add(DETECT_JOB_NAME, data, { jobId });
  }

  /** The job as its tenant sees it; another tenant's job, or one long gone, is NOT_FOUND. */
  async view(tenant: string, jobId: string): Promise<JobView> {
    const found = await this.find(tenant, jobId);
    return found.view;
  }

  private async find(tenant: string, jobId: string): Promise<Found> {
    const [loaded] = await this.load([jobId]);
    return this.resolve(tenant, jobId, loaded!);
  }

  /**
   * Meta, BullMQ job and state of each id: one pipeline for the metas and the job hashes read at once,
   * so a page of 100 jobs costs a few round trips, not hundreds.
   */
  private async load(ids: string[]): Promise<Loaded[]> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.jobMeta(id));
    const [metas, jobs] = await Promise.all([pipeline.exec(), Promise.all(ids.map((id) => this.queue.getJob(id) as Promise<QueueJob | undefined>))]);
    return Promise.all(
      ids.map(async (_id, i) => {
        const [err, raw] = metas![i]!;
        if (err) throw err;
        const job = jobs[i];
        return { meta: parseMeta(raw as Record<string, string>), ...(job ? await this.stateOf(job) : { job, state: 'unknown' }) };
      }),
    );
  }

  /**
   * A job's state, read from its own hash where that tells: BullMQ sets `processedOn` when a job becomes
   * active and `finishedOn` only when it moves to completed or failed (and deletes both when it moves a
   * job back), so only a started, unfinished job (active, or waiting for a retry) asks BullMQ.
   */
  private async stateOf(job: QueueJob): Promise<{ job: QueueJob; state: string }> {
    if (job.finishedOn) return { job, state: job.returnvalue == null && job.failedReason ? 'failed' : 'completed' };
    if (!job.processedOn) return { job, state: 'waiting' };
    const state = await job.getState();
    // The job may have finished between the read and getState(): re-read it so the view carries its result.
    if (state === 'completed' || state === 'failed') {
      const finished = (await this.queue.getJob(job.id!)) as QueueJob | undefined;
      if (finished) return { job: finished, state };
    }
    return { job, state };
  }

  private resolve(tenant: string, jobId: string, { meta, job, state }: Loaded): Found {
    if (!meta || meta.tenant !== tenant) throw new VadError('NOT_FOUND', `No job ${jobId} for this API key.`);
    if (meta.status === 'cancelled' && !job) {
      const view: JobView = {
        id: jobId,
        status: 'cancelled',
        progress: { audioMsDone: 0 },
        createdAt: isoTimestamp(meta.acceptedAt)!,
        finishedAt: isoTimestamp(meta.cancelledAt),
        error: { code: 'JOB_CANCELLED', message: 'The job was cancelled before it started.' },
        attempts: 0,
      };
      return { view, job, state: 'cancelled' };
    }
    if (!job) throw new VadError('NOT_FOUND', `Job ${jobId} has expired.`);
    return { view: jobView(job, state), job, state };
  }

  /** A page of the tenant's jobs, newest first. */
  async list(tenant: string, limit: number, cursor?: string): Promise<{ items: JobView[]; nextCursor: string | null }> {
    const index = this.keys.tenantJobs(tenant);
    let max = '+inf';
    let skip = (_score: number, _id: string) => false;
    let extra = 0;
    if (cursor) {
      const [score, lastId] = decodeCursor(cursor);
      max = String(score);
      // Members with equal scores come in reverse lexical order; skip those up to the cursor's.
      skip = (s, id) => s === score && id >= lastId;
      extra = await this.redis.zcount(index, score, score);
    }
    const raw = await this.redis.zrevrangebyscore(index, max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1 + extra);
    const entries: [string, number][] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const id = raw[i];
      const score = Number(raw[i + 1]);
      if (!skip(score, id)) entries.push([id, score]);
    }
    const page = entries.slice(0, limit);
    const loaded = await this.load(page.map(([id]) => id));
    const items: JobView[] = [];
    const gone: string[] = [];
    page.forEach(([id], i) => {
      try {
        items.push(this.resolve(tenant, id, loaded[i]!).view);
      } catch (err) {
        if (!(err instanceof VadError && err.code === 'NOT_FOUND')) throw err;
        gone.push(id); // expired from BullMQ: drop from the index
      }
    });
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    const last = page.at(-1);
    return { items, nextCursor: entries.length > limit && last ? encodeCursor(last[1], last[0]) : null };
  }

  /**
   * A queued job is removed and recorded as cancelled; an active one is signalled (the worker aborts it
   * and fails it with JOB_CANCELLED). A finished job cannot be cancelled.
   */
  async cancel(tenant: string, jobId: string): Promise<CancelOutcome & { data?: DetectJobData }> {
    const { view, job, state } = await this.find(tenant, jobId);
    if (view.status === 'completed' || view.status === 'failed' || view.status === 'cancelled') {
      throw new VadError('CONFLICT', `Job ${jobId} is already ${view.status}.`);
    }
    if (job && state !== 'active') {
      try {
        await job.remove();
        const cancelledAt = Date.now();
        await this.redis.hset(this.keys.jobMeta(jobId), { status: 'cancelled', cancelledAt: String(cancelledAt) });
        return { kind: 'cancelled', view: (await this.find(tenant, jobId)).view, data: job.data };
      } catch (err) {
        // Locked: a worker picked it up in the meantime; cancel it as an active job below.
        if (await job.isActive().catch(() => false)) return this.signal(tenant, jobId);
        throw err;
      }
    }
    return this.signal(tenant, jobId);
  }

  private async signal(tenant: string, jobId: string): Promise<CancelOutcome> {
    await requestCancellation(this.redis, this.prefix, jobId);
    return { kind: 'signalled', view: await this.view(tenant, jobId) };
  }
}
