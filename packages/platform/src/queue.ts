import { Queue, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { toVadError } from '@vadfleet/shared/errors';
import { DETECT_QUEUE_NAME, encodeJobError, jobOptions, type DetectJobData, type DetectJobResult } from '@vadfleet/shared/queue';

export type DetectQueue = Queue<DetectJobData, DetectJobResult, 'detect'>;

export interface RedisOptions {
  /**
   * Reject commands after this many reconnection attempts instead of queueing them forever. BullMQ
   * workers need `null` (the default here); an HTTP process may prefer failing fast.
   */
  maxRetriesPerRequest?: number | null;
}

export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: opts.maxRetriesPerRequest ?? null });
}

/**
 * Refuses a Redis that may evict keys: BullMQ's job locks and our idempotency, cancellation and
 * heartbeat keys are expiring keys, and an eviction policy may delete them early (jobs run twice,
 * cancellations are lost). Managed Redis often disables CONFIG, so INFO memory is read then.
 */
export async function assertNoEviction(redis: Redis): Promise<void> {
  let policy: string | undefined;
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as unknown as string[];
    policy = reply[1];
  } catch {
    const info = await redis.info('memory');
    policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  }
  if (policy === undefined) {
    throw new Error('Cannot read Redis maxmemory-policy (CONFIG GET and INFO memory both failed); it must be noeviction.');
  }
  if (policy !== 'noeviction') {
    throw new Error(
      `Redis maxmemory-policy is "${policy}" but must be "noeviction": BullMQ locks, idempotency and cancellation ` +
        'keys are expiring keys that an eviction policy may delete. Set `maxmemory-policy noeviction`.',
    );
  }
}

export interface DetectQueueConfig {
  /** Redis key prefix (QUEUE_PREFIX), e.g. "{vadfleet}". */
  prefix: string;
}

export function createDetectQueue(redis: Redis, cfg: DetectQueueConfig): DetectQueue {
  return new Queue<DetectJobData, DetectJobResult, 'detect'>(DETECT_QUEUE_NAME, {
    connection: redis,
    prefix: cfg.prefix,
    defaultJobOptions: jobOptions(DETECT_QUEUE_NAME),
  });
}

/**
 * What a processor throws for an error (the queue contract's encoding, see encodeJobError): codes that
 * retrying cannot fix fail the job at once; retryable ones go back to BullMQ's attempts and backoff.
 */
export function toJobFailure(err: unknown): Error {
  const error = toVadError(err);
  const reason = encodeJobError(error.toData());
  return error.retryable ? new Error(reason, { cause: err }) : new UnrecoverableError(reason);
}

/**
 * Whether `failure` ends a job for good: a code retrying cannot fix, or the job's last attempt. `attempt`
 * is the 1-based number of the attempt that failed (inside the processor, `job.attemptsMade + 1`; in
 * the worker's `failed` event BullMQ has counted it already: `job.attemptsMade`).
 */
export function isFinalFailure(failure: Error, attempt: number, job: { opts?: { attempts?: number } }): boolean {
  return failure.name === 'UnrecoverableError' || attempt >= (job.opts?.attempts ?? 1);
}
