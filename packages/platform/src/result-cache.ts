import { createHash } from 'node:crypto';
import type { RedisClient as Redis } from './queue.js';
import { z } from 'zod';
import { toVadError, VadError } from '@vadfleet/shared/errors';
import { frameProbsKey, warningDataSchema, type DetectJobResult, type ObjectRef } from '@vadfleet/shared/queue';
import { canonicalParams, modelOf, type ResolvedVadParams } from '@vadfleet/shared/vad-params';
import type { ObjectStore } from './object-store.js';

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

/** A job's input as the cache sees it: the object (its version and content hash when known), for whom, under what. */
export interface CacheSubject {
  tenant: string;
  input: { bucket: string; key: string; etag?: string; size?: number; sha256?: string };
  fingerprint: ResultFingerprint;
}

/** Where a served result goes: the job's own result key, stamped with the job's id and input. */
export interface ServeTarget {
  output: ObjectRef;
  stamp: { jobId: string; input: ObjectRef };
  /** Fields this job makes of its own from the earlier result (its speech export), replacing the earlier job's. */
  restamp?: (earlier: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** Called once per lookup (metrics). */
  onLookup?: (result: 'hit' | 'miss') => void;
}

export interface ResultCacheOptions {
  /** Redis key prefix (QUEUE_PREFIX). */
  prefix: string;
  /** 0 disables the cache: lookups miss, nothing is stored. */
  ttlSeconds: number;
  scope: CacheScope;
}

/**
 * Writes a job's result: the frame probabilities first, then the JSON, so that a result JSON that exists
 * always has its probabilities beside it (re-scoring relies on it; serve() keeps the same order).
 */
export async function putResultObjects(store: Pick<ObjectStore, 'putBytes' | 'putJson'>, output: ObjectRef, document: { json: unknown; frameProbs?: Uint8Array }): Promise<void> {
  if (document.frameProbs) await store.putBytes(output.bucket, frameProbsKey(output.key), document.frameProbs, 'application/octet-stream');
  await store.putJson(output.bucket, output.key, document.json);
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

  /**
   * Serves a job from an earlier result, if any, before a byte of its input is read. Two lookups: the
   * input object's identity (bucket, key, ETag, size: from the job, else a HEAD, which also turns a missing
   * object into INPUT_NOT_FOUND), then the content hash when the API computed it while storing an upload
   * (so the same audio uploaded again is a hit; the entry is then also recorded under the object).
   * Null on a miss.
   */
  async serve(store: Pick<ObjectStore, 'head' | 'getJson' | 'putJson' | 'copy'>, subject: CacheSubject, target: ServeTarget): Promise<DetectJobResult | null> {
    const { bucket, key, sha256 } = subject.input;
    let { etag, size } = subject.input;
    if (etag === undefined || size === undefined) {
      const head = await store.head(bucket, key);
      if (!head) throw new VadError('INPUT_NOT_FOUND', `The input object s3://${bucket}/${key} does not exist.`);
      ({ etag, size } = head);
    }
    const byObject = this.objectIdentity(subject.tenant, { bucket, key, etag, size }, subject.fingerprint);
    // Only FSMN's frame probabilities are stored beside its results (the only model that can be re-scored).
    const withFrameProbs = modelOf(subject.fingerprint.params) === 'fsmn';
    const viaObject = await this.serveFrom(store, byObject, target, withFrameProbs);
    if (viaObject || sha256 === undefined) return viaObject?.served ?? null;
    const viaContent = await this.serveFrom(store, this.contentIdentity(subject.tenant, sha256, subject.fingerprint), target, withFrameProbs);
    if (!viaContent) return null;
    await this.put([byObject], viaContent.entry);
    return viaContent.served;
  }

  /**
   * Records a fresh result under the input object's identity (the version actually read) and, when the
   * content hash is known, under the content's.
   */
  async remember(subject: CacheSubject & { input: { etag: string; size: number } }, entry: CachedResult): Promise<void> {
    const { tenant, input, fingerprint } = subject;
    const byObject = this.objectIdentity(tenant, { bucket: input.bucket, key: input.key, etag: input.etag, size: input.size }, fingerprint);
    await this.put(input.sha256 ? [byObject, this.contentIdentity(tenant, input.sha256, fingerprint)] : [byObject], entry);
  }

  /** A hit under `identity` copied to the target (null on a miss, or when the earlier result object is gone). */
  private async serveFrom(store: Pick<ObjectStore, 'getJson' | 'putJson' | 'copy'>, identity: string, target: ServeTarget, withFrameProbs: boolean): Promise<{ served: DetectJobResult; entry: CachedResult } | null> {
    const hit = await this.get(identity);
    target.onLookup?.(hit ? 'hit' : 'miss');
    if (!hit) return null;
    const started = performance.now();
    const { output } = target;
    // A retried job whose earlier attempt stored its result and then lost the job (a Redis failover, say)
    // finds its own result: it is in place already, and S3 refuses to copy an object onto itself.
    if (hit.result.bucket === output.bucket && hit.result.key === output.key) {
      return { served: { result: output, cached: false, durationMs: hit.durationMs, channels: hit.channels, warnings: hit.warnings ?? [], timings: { cacheMs: performance.now() - started } }, entry: hit };
    }
    let earlier: Record<string, unknown>;
    try {
      // The probabilities are copied inside the store (they can be megabytes); they land before the JSON,
      // so a result that exists always has them beside it.
      [earlier] = await Promise.all([
        store.getJson(hit.result.bucket, hit.result.key) as Promise<Record<string, unknown>>,
        withFrameProbs && store.copy({ bucket: hit.result.bucket, key: frameProbsKey(hit.result.key) }, { bucket: output.bucket, key: frameProbsKey(output.key) }),
      ]);
    } catch (err) {
      // Deleted, or expired by a lifecycle rule: forget the entry and run the model.
      if (toVadError(err).code !== 'INPUT_NOT_FOUND') throw err;
      await this.delete(identity);
      return null;
    }
    // Every job's result lives under its tenant's prefix and outlives the one it was copied from.
    await store.putJson(output.bucket, output.key, { ...earlier, ...target.stamp, ...(await target.restamp?.(earlier)), cached: true });
    return { served: { result: output, cached: true, durationMs: hit.durationMs, channels: hit.channels, warnings: hit.warnings ?? [], timings: { cacheMs: performance.now() - started } }, entry: hit };
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
