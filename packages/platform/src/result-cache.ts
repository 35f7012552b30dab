import { createHash } from 'node:crypto';
import type { RedisClient as Redis } from './queue.js';
import { z } from 'zod';
import { warningDataSchema } from '@vadfleet/shared/queue';
import { canonicalParams, type ResolvedVadParams } from '@vadfleet/shared/vad-params';

/**
 * Reuse of detection results. An entry points at a result JSON already in S3; it is found under two
 * identities, both including the model's SHA-256 and the canonical parameters:
 * - the input object (bucket, key, ETag, size): known before reading a byte, so a resubmitted object
 *   skips even the download;
 * - the audio content (SHA-256 of the bytes): serves the same audio uploaded again under a new key.
 * Both are scoped to a tenant unless the scope is global. Entries expire after `ttlSeconds`.
 */

export const cachedResultSchema = z.object({
  result: z.object({ bucket: z.string(), key: z.string() }),
  durationMs: z.number().nonnegative(),
  channels: z.number().int().positive(),
  /** The run's warnings, served again with every hit (absent in entries older than warnings). */
  warnings: z.array(warningDataSchema).optional(),
});
export type CachedResult = z.infer<typeof cachedResultSchema>;

export type CacheScope = 'tenant' | 'global';

/** What, besides the audio, determines a result. */
export interface ResultFingerprint {
  modelSha256: string;
  params: ResolvedVadParams;
}

export interface ResultCacheOptions {
  /** Redis key prefix (QUEUE_PREFIX). */
  prefix: string;
  /** 0 disables the cache: lookups miss, nothing is stored. */
  ttlSeconds: number;
  scope: CacheScope;
}

function digest(parts: readonly (string | number)[]): string {
  // JSON of an array: unambiguous however the parts are spelled (no separator collisions).
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export class ResultCache {
  constructor(
    private readonly redis: Redis,
    private readonly options: ResultCacheOptions,
  ) {}

  get enabled(): boolean {
    return this.options.ttlSeconds > 0;
  }

  /** Identity of an input object's exact version. */
  objectIdentity(tenant: string, object: { bucket: string; key: string; etag: string; size: number }, fp: ResultFingerprint): string {
    return digest(['object', this.scopeOf(tenant), object.bucket, object.key, object.etag, object.size, fp.modelSha256, canonicalParams(fp.params)]);
  }

  /** Identity of audio bytes, wherever they are stored. */
  contentIdentity(tenant: string, audioSha256: string, fp: ResultFingerprint): string {
    return digest(['content', this.scopeOf(tenant), audioSha256, fp.modelSha256, canonicalParams(fp.params)]);
  }

  /** The entry stored under `identity`, or null (also for an unreadable entry, which is then ignored). */
  async get(identity: string): Promise<CachedResult | null> {
    if (!this.enabled) return null;
    const raw = await this.redis.get(this.key(identity));
    if (raw === null) return null;
    try {
      return cachedResultSchema.parse(JSON.parse(raw));
    } catch {
      return null;
    }
  }

  /** Stores `entry` under every identity given (one round trip). */
  async put(identities: readonly string[], entry: CachedResult): Promise<void> {
    if (!this.enabled || identities.length === 0) return;
    const value = JSON.stringify(cachedResultSchema.parse(entry));
    const multi = this.redis.multi();
    for (const identity of identities) multi.set(this.key(identity), value, 'EX', this.options.ttlSeconds);
    await multi.exec();
  }

  /** Forgets an entry whose result object has disappeared. */
  async delete(identity: string): Promise<void> {
    await this.redis.del(this.key(identity));
  }

  private scopeOf(tenant: string): string {
    return this.options.scope === 'global' ? '*' : `tenant:${tenant}`;
  }

  private key(identity: string): string {
    return `${this.options.prefix}:cache:${identity}`;
  }
}
