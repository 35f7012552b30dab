import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Queue, UnrecoverableError } from 'bullmq';
import { Cluster, Redis, type RedisOptions as IoRedisOptions } from 'ioredis';
import { toVadError } from '@vadfleet/shared/errors';
import { DETECT_QUEUE_NAME, encodeJobError, jobOptions, type DetectJobData, type DetectJobResult } from '@vadfleet/shared/queue';

export type DetectQueue = Queue<DetectJobData, DetectJobResult, 'detect'>;

/** A connection to a single Redis (direct or found through Sentinel) or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** The config variables that say where Redis is (packages/shared/src/config/common.ts). */
export interface RedisTarget {
  REDIS_URL: string;
  REDIS_TLS_CA_FILE?: string;
  REDIS_CLUSTER?: boolean;
  REDIS_SENTINELS?: { host: string; port: number }[];
  REDIS_SENTINEL_MASTER?: string;
}

export interface RedisOptions {
  /**
   * Reject commands after this many reconnection attempts instead of queueing them forever. BullMQ
   * workers need `null` (the default here); an HTTP process may prefer failing fast.
   */
  maxRetriesPerRequest?: number | null;
}

/**
 * After a Sentinel failover the old primary turns replica and refuses writes with READONLY (and wakes
 * blocked commands with UNBLOCKED): reconnect, which asks the sentinels for the new primary, and resend.
 */
function reconnectOnFailover(err: Error): 2 | false {
  return /^(READONLY|UNBLOCKED)/.test(err.message) ? 2 : false;
}

/**
 * Connects to Redis as the config says: a URL (`rediss://` for TLS, with an optional CA bundle), a
 * Sentinel-monitored primary, or a Cluster reached through any node. Every connection of the apps,
 * BullMQ's included (it duplicates this one), comes from here, so all of them follow failovers and
 * MOVED redirections.
 */
export function createRedis(target: RedisTarget | string, opts: RedisOptions = {}): RedisClient {
  const t: RedisTarget = typeof target === 'string' ? { REDIS_URL: target } : target;
  const url = new URL(t.REDIS_URL);
  const tls: TlsOptions | undefined =
    url.protocol === 'rediss:' ? (t.REDIS_TLS_CA_FILE ? { ca: readFileSync(t.REDIS_TLS_CA_FILE) } : {}) : undefined;
  const common: IoRedisOptions = {
    maxRetriesPerRequest: opts.maxRetriesPerRequest ?? null,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(tls ? { tls } : {}),
  };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 6379);
  if (t.REDIS_CLUSTER) {
    return new Cluster([{ host, port }], {
      redisOptions: common,
      // ioredis resolves node names to addresses first by default; TLS must see the name to verify the
      // certificate (managed clusters announce their nodes by name).
      ...(tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
    });
  }
  const db = Number(url.pathname.slice(1) || 0);
  if (t.REDIS_SENTINELS?.length) {
    return new Redis({
      ...common,
      db,
      sentinels: t.REDIS_SENTINELS,
      name: t.REDIS_SENTINEL_MASTER ?? 'mymaster',
      // rediss:// applies TLS to the sentinels and the primary alike.
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
      failoverDetector: true,
      reconnectOnError: reconnectOnFailover,
    });
  }
  return new Redis({ ...common, host, port, db });
}

/** A second connection like `redis` (subscribers need their own); the two clients' signatures differ. */
export function duplicateRedis(redis: RedisClient): RedisClient {
  return redis instanceof Cluster ? redis.duplicate() : redis.duplicate();
}

/** The connections whose keyspaces together hold every key: SCAN walks one node's keys only. */
export function keyspaceNodes(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/**
 * Refuses a Redis that may evict keys: BullMQ's job locks and our idempotency, cancellation and
 * heartbeat keys are expiring keys, and an eviction policy may delete them early (jobs run twice,
 * cancellations are lost). Managed Redis often disables CONFIG, so INFO memory is read then.
 */
export async function assertNoEviction(redis: RedisClient): Promise<void> {
  // A cluster client knows its nodes once connected; a first command connects it.
  await redis.ping();
  for (const node of keyspaceNodes(redis)) await assertNodeNoEviction(node);
}

async function assertNodeNoEviction(redis: Redis): Promise<void> {
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

export function createDetectQueue(redis: RedisClient, cfg: DetectQueueConfig): DetectQueue {
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
