import { createHash } from 'node:crypto';
import type { RedisClient as Redis } from './queue.js';
import { VadError } from '@vadfleet/shared/errors';
import { IDEMPOTENCY_TTL_SECONDS, queueKeys } from '@vadfleet/shared/queue';

/** The fingerprint of a request (its parts as JSON, hashed): the same key with another fingerprint is a CONFLICT. */
export function requestFingerprint(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** What a key is reserved for: a job and a batch with the same Idempotency-Key are different requests. */
export type IdempotentKind = 'job' | 'batch';

/**
 * Idempotency-Key reservations, per tenant, for 24 h: the first request with a key names the job or batch
 * that answers every later one; the same key with a different request (`fingerprint`) is a CONFLICT.
 */
export class IdempotencyKeys {
  private readonly keys: ReturnType<typeof queueKeys>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = queueKeys(prefix);
  }

  /**
   * Without a key, `create(newId)`. With one, reserves it for `newId` (SET NX) and creates, or answers
   * with the id it already names (`replayed`). A failed `create` releases the key so the client can retry.
   */
  async run(
    request: { tenant: string; kind: IdempotentKind; key: string | undefined; fingerprint: string },
    newId: string,
    create: (id: string) => Promise<void>,
  ): Promise<{ id: string; replayed: boolean }> {
    const { key } = request;
    if (key !== undefined) {
      const existing = await this.claim(this.redisKey(request.tenant, request.kind, key), newId, request.fingerprint);
      if (existing) return { id: existing, replayed: true };
    }
    try {
      await create(newId);
    } catch (err) {
      if (key !== undefined) await this.redis.del(this.redisKey(request.tenant, request.kind, key)).catch(() => undefined);
      throw err;
    }
    return { id: newId, replayed: false };
  }

  /** Null when the key is now ours; else the id it already names. */
  private async claim(redisKey: string, id: string, fingerprint: string): Promise<string | null> {
    const set = await this.redis.set(redisKey, JSON.stringify([id, fingerprint]), 'EX', IDEMPOTENCY_TTL_SECONDS, 'NX');
    if (set === 'OK') return null;
    const stored = await this.redis.get(redisKey);
    if (stored === null) return this.claim(redisKey, id, fingerprint); // expired just now
    const [existingId, existingFingerprint] = JSON.parse(stored) as [string, string];
    if (existingFingerprint !== fingerprint) {
      throw new VadError('CONFLICT', 'This Idempotency-Key was already used with a different request in the last 24 hours.');
    }
    return existingId;
  }

  private redisKey(tenant: string, kind: IdempotentKind, key: string): string {
    return this.keys.idempotency(tenant, createHash('sha256').update(`${kind}\n${key}`).digest('hex'));
  }
}
