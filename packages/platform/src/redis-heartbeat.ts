import type { RedisClient as Redis } from './queue.js';
import { WORKER_HEARTBEAT_INTERVAL_MS, WORKER_HEARTBEAT_TTL_SECONDS, queueKeys } from '@vadfleet/shared/queue';

export interface Heartbeat {
  /** Stops renewing and deletes the key, so readiness checks stop counting this worker at once. */
  stop(): Promise<void>;
}

/**
 * Announces a live worker: `<prefix>:workers:<workerId>` = `info` as JSON with a TTL, and the id in the
 * live-workers sorted set scored by the same expiry, renewed on an interval shorter than the TTL. A
 * crashed worker drops out when its expiry passes. A failed renewal (Redis briefly down) is reported to
 * `onError` and retried at the next tick.
 */
export async function startHeartbeat(
  redis: Redis,
  prefix: string,
  workerId: string,
  info: Record<string, unknown>,
  opts: { ttlSeconds?: number; intervalMs?: number; onError?: (err: unknown) => void } = {},
): Promise<Heartbeat> {
  const keys = queueKeys(prefix);
  const key = keys.worker(workerId);
  const ttlSeconds = opts.ttlSeconds ?? WORKER_HEARTBEAT_TTL_SECONDS;
  const beat = () => {
    const now = Date.now();
    return redis
      .multi()
      .set(key, JSON.stringify({ ...info, at: now }), 'EX', ttlSeconds)
      .zadd(keys.liveWorkers, now + ttlSeconds * 1000, workerId)
      .exec();
  };
  await beat();
  const timer = setInterval(() => void beat().catch((err) => opts.onError?.(err)), opts.intervalMs ?? WORKER_HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis.multi().del(key).zrem(keys.liveWorkers, workerId).exec();
    },
  };
}

/** Ids of the workers whose heartbeat is current; expired entries are pruned on the way (two commands, whatever the keyspace's size). */
export async function listLiveWorkers(redis: Redis, prefix: string): Promise<string[]> {
  const { liveWorkers } = queueKeys(prefix);
  const now = Date.now();
  const [, live] = (await redis.multi().zremrangebyscore(liveWorkers, '-inf', now).zrangebyscore(liveWorkers, now, '+inf').exec())!;
  if (live[0]) throw live[0];
  return live[1] as string[];
}
