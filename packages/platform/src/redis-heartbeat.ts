import type { Redis } from 'ioredis';
import { WORKER_HEARTBEAT_INTERVAL_MS, WORKER_HEARTBEAT_TTL_SECONDS, queueKeys } from '@vadfleet/shared/queue';

export interface Heartbeat {
  /** Stops renewing and deletes the key, so readiness checks stop counting this worker at once. */
  stop(): Promise<void>;
}

/**
 * Announces a live worker: `<prefix>:workers:<workerId>` = `info` as JSON with a TTL, renewed on an
 * interval shorter than the TTL. A crashed worker disappears when its key expires. A failed renewal
 * (Redis briefly down) is reported to `onError` and retried at the next tick.
 */
export async function startHeartbeat(
  redis: Redis,
  prefix: string,
  workerId: string,
  info: Record<string, unknown>,
  opts: { ttlSeconds?: number; intervalMs?: number; onError?: (err: unknown) => void } = {},
): Promise<Heartbeat> {
  const key = queueKeys(prefix).worker(workerId);
  const ttlSeconds = opts.ttlSeconds ?? WORKER_HEARTBEAT_TTL_SECONDS;
  const beat = () => redis.set(key, JSON.stringify({ ...info, at: Date.now() }), 'EX', ttlSeconds);
  await beat();
  const timer = setInterval(() => void beat().catch((err) => opts.onError?.(err)), opts.intervalMs ?? WORKER_HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis.del(key);
    },
  };
}

/** Ids of the workers whose heartbeat is current (SCAN, so it never blocks Redis). */
export async function listLiveWorkers(redis: Redis, prefix: string): Promise<string[]> {
  const keys = queueKeys(prefix);
  const start = keys.worker('');
  const ids: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', keys.workerPattern, 'COUNT', 200);
    for (const key of batch) ids.push(key.slice(start.length));
    cursor = next;
  } while (cursor !== '0');
  return ids;
}
