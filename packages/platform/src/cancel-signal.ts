import type { RedisClient as Redis } from './queue.js';
import { CANCEL_TTL_SECONDS, queueKeys } from '@vadfleet/shared/queue';

/**
 * Cancellation of running jobs: a flag key (survives a worker that was not subscribed at the moment)
 * plus a pub/sub message (reaches a running job at once).
 */
export async function requestCancellation(redis: Redis, prefix: string, jobId: string): Promise<void> {
  const keys = queueKeys(prefix);
  await redis.set(keys.cancel(jobId), '1', 'EX', CANCEL_TTL_SECONDS);
  await redis.publish(keys.cancelChannel, jobId);
}

export async function isCancellationRequested(redis: Redis, prefix: string, jobId: string): Promise<boolean> {
  return (await redis.exists(queueKeys(prefix).cancel(jobId))) === 1;
}

/**
 * Calls `onCancel(jobId)` for every cancellation published. `subscriber` becomes a subscriber-mode
 * connection, so pass a dedicated one (`redis.duplicate()`). Resolves once subscribed; call the returned
 * function to unsubscribe.
 */
export async function subscribeCancellations(
  subscriber: Redis,
  prefix: string,
  onCancel: (jobId: string) => void,
): Promise<() => Promise<void>> {
  const channel = queueKeys(prefix).cancelChannel;
  const listener = (ch: string, message: string) => {
    if (ch === channel) onCancel(message);
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', listener);
    await subscriber.unsubscribe(channel);
  };
}
