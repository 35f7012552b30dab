import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DETECT_QUEUE_NAME, type DetectJobData, type DetectJobResult } from '@vadfleet/shared/queue';

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

/** Retention, attempts and backoff of every detection job; set here once so producers cannot drift. */
export const DETECT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export function createDetectQueue(redis: Redis, cfg: DetectQueueConfig): DetectQueue {
  return new Queue<DetectJobData, DetectJobResult, 'detect'>(DETECT_QUEUE_NAME, {
    connection: redis,
    prefix: cfg.prefix,
    defaultJobOptions: DETECT_JOB_OPTIONS,
  });
}
