import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { DetectResult, Vad } from '@vadfleet/vad-core';
import { FrameProbsRecorder, encodeFrameProbs } from '@vadfleet/vad-postprocess';
import { computeCallQa } from '@vadfleet/qa-analytics/call-qa';
import { VadError, toVadError } from '@vadfleet/shared/errors';
import { detectJobDataSchema, encodeJobError, frameProbsKey, resultKey, type DetectJobData, type DetectJobResult, type JobProgress, type ObjectRef } from '@vadfleet/shared/queue';
import { ByteMeter } from '@vadfleet/platform/byte-meter';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import type { CachedResult, ResultCache } from '@vadfleet/platform/result-cache';
import type { WorkerMetrics } from '@vadfleet/platform/metrics';
import { exportJobSpeech } from './speech-step.js';

export interface ProcessorDeps {
  vad: Pick<Vad, 'detect' | 'model' | 'postConfig'>;
  store: ObjectStore;
  cache: ResultCache;
  metrics: WorkerMetrics;
  log: Logger;
  isCancelled(jobId: string): Promise<boolean>;
  limits: { maxChannels: number; maxDurationMs: number; maxInputBytes: number };
}

export type DetectJob = Job<unknown, DetectJobResult>;

/** Progress is a Redis round trip; one update per interval is plenty for a progress bar. */
const PROGRESS_INTERVAL_MS = 500;

/**
 * The story of one detection job: cache lookups, then S3 → hash → vad-core → result and frame
 * probabilities to S3. Two lookups may skip the model before any byte is read: the object identity
 * (bucket, key, ETag, size), and the content hash when the API computed it while streaming the upload
 * (so the same audio uploaded again is a hit). Otherwise the object streams into the decoder while it
 * is hashed, and the result is cached under both keys.
 */
export function createProcessor(deps: ProcessorDeps) {
  return async (job: DetectJob, _token?: string, signal?: AbortSignal): Promise<DetectJobResult> => {
    try {
      return await detect(deps, job, parseJobData(job.data), signal);
    } catch (err) {
      throw toJobFailure(signal?.aborted ? new VadError('JOB_CANCELLED') : err);
    }
  };
}

async function detect(deps: ProcessorDeps, job: DetectJob, data: DetectJobData, signal?: AbortSignal): Promise<DetectJobResult> {
  const { vad, store, cache, metrics } = deps;
  const jobId = job.id!;
  if (await deps.isCancelled(jobId)) throw new VadError('JOB_CANCELLED');
  metrics.jobQueueWait.observe(Math.max(0, Date.now() - data.acceptedAt) / 1000);
  const output: ObjectRef = { bucket: data.output.bucket, key: resultKey(data.output.prefix, data.tenant, jobId) };
  const fingerprint = { modelSha256: vad.model.sha256, params: data.params };

  const object = await describeInput(store, data.input);
  const byObjectSeen = cache.objectIdentity(data.tenant, object, fingerprint);
  const served = (await serveFromCache(deps, jobId, data, byObjectSeen, output)) ?? (data.input.sha256 && (await serveFromCache(deps, jobId, data, cache.contentIdentity(data.tenant, data.input.sha256, fingerprint), output, [byObjectSeen])));
  if (served) return served;

  const downloadStarted = performance.now();
  const input = await store.getStream(data.input.bucket, data.input.key);
  // Keyed by the version actually read, in case the object was overwritten since the API saw it.
  const byObject = cache.objectIdentity(data.tenant, { ...object, etag: input.etag, size: input.size }, fingerprint);
  // An upload's hash was computed by the API as it stored it: only S3-key inputs are hashed here.
  const meter = new ByteMeter(deps.limits.maxInputBytes, 'The input', { hash: data.input.sha256 === undefined });
  // Until the last byte read; a decoder that stops early (a WAV's trailing chunks) ends it with the run.
  let downloadMs: number | undefined;
  meter.once('end', () => (downloadMs = performance.now() - downloadStarted));
  input.body.once('error', (err) => meter.destroy(new VadError('STORAGE_UNAVAILABLE', `Reading s3://${data.input.bucket}/${data.input.key} failed: ${err.message}`, { cause: err })));
  const probs = new FrameProbsRecorder();
  // The bytes stream from S3 through the hash into the decoder: nothing of the whole object is kept.
  const result = await vad.detect(input.body.pipe(meter), { params: data.params, signal, onProgress: progressReporter(job), onFrameProbs: probs.onFrameProbs, maxChannels: deps.limits.maxChannels, maxDurationMs: deps.limits.maxDurationMs }).finally(() => input.body.destroy());
  downloadMs ??= performance.now() - downloadStarted;
  const uploadStarted = performance.now();
  // Probabilities first: a result JSON that exists always has them beside it (re-scoring relies on it).
  await store.putBytes(output.bucket, frameProbsKey(output.key), encodeFrameProbs(probs.result(vad.postConfig, result.channels.length)), 'application/octet-stream');
  const speech = data.output.speech && (await exportJobSpeech({ store, metrics, options: data.output.speech, input: data.input, output, detected: result, limits: deps.limits, signal }));
  await store.putJson(output.bucket, output.key, { ...result, qa: callQa(result, data.roles), jobId, input: { bucket: data.input.bucket, key: data.input.key }, cached: false, speech });
  const uploadMs = performance.now() - uploadStarted;
  const entry: CachedResult = { result: output, durationMs: result.durationMs, channels: result.channels.length };
  // The decoder may stop before the object's end (a WAV's trailing chunks): then the bytes hashed are
  // not the whole object, and only the API's hash of an upload (if any) names the content.
  const sha256 = data.input.sha256 ?? (meter.bytes === input.size && meter.writableFinished ? meter.sha256() : undefined);
  await cache.put(sha256 ? [byObject, cache.contentIdentity(data.tenant, sha256, fingerprint)] : [byObject], entry);
  recordRun(metrics, result, downloadMs, uploadMs);
  return { ...entry, cached: false, timings: { downloadMs, ...result.timings, uploadMs } };
}

/** A cache hit served as this job's result, also recorded under `alsoAs`; null on a miss. */
async function serveFromCache(deps: ProcessorDeps, jobId: string, data: DetectJobData, identity: string, output: ObjectRef, alsoAs: string[] = []): Promise<DetectJobResult | null> {
  const hit = await lookup(deps, identity);
  const served = hit && (await reuse(deps, jobId, data, identity, hit, output));
  if (served && alsoAs.length > 0) await deps.cache.put(alsoAs, hit);
  return served || null;
}

function parseJobData(raw: unknown): DetectJobData {
  const parsed = detectJobDataSchema.safeParse(raw);
  if (!parsed.success) throw new VadError('BAD_REQUEST', `The job data is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** ETag and size as the API saw them, else from a HEAD (which also turns a missing object into INPUT_NOT_FOUND). */
async function describeInput(store: ObjectStore, input: DetectJobData['input']) {
  if (input.etag !== undefined && input.size !== undefined) return { bucket: input.bucket, key: input.key, etag: input.etag, size: input.size };
  const head = await store.head(input.bucket, input.key);
  if (!head) throw new VadError('INPUT_NOT_FOUND', `The input object s3://${input.bucket}/${input.key} does not exist.`);
  return { bucket: input.bucket, key: input.key, ...head };
}

async function lookup(deps: ProcessorDeps, identity: string): Promise<CachedResult | null> {
  const hit = await deps.cache.get(identity);
  deps.metrics.cacheLookups.inc({ result: hit ? 'hit' : 'miss' });
  return hit;
}

/**
 * Serves a job from an earlier result: its JSON is copied to this job's own result key (with this job's
 * id and input), so every job's result lives under its tenant's prefix and outlives the original.
 * Null when the earlier result object is gone (deleted, expired by a lifecycle rule): the entry is dropped.
 */
async function reuse(deps: ProcessorDeps, jobId: string, data: DetectJobData, identity: string, hit: CachedResult, output: ObjectRef): Promise<DetectJobResult | null> {
  const started = performance.now();
  // A retried job whose earlier attempt stored its result and then lost the job (a Redis failover, say)
  // finds its own result: it is in place already, and S3 refuses to copy an object onto itself.
  if (hit.result.bucket === output.bucket && hit.result.key === output.key) {
    return { result: output, cached: false, durationMs: hit.durationMs, channels: hit.channels, timings: { cacheMs: performance.now() - started } };
  }
  let earlier: Record<string, unknown>;
  try {
    // The probabilities are copied inside the store (they can be megabytes); they land before the JSON,
    // so a result that exists always has them beside it.
    [earlier] = await Promise.all([
      deps.store.getJson(hit.result.bucket, hit.result.key) as Promise<Record<string, unknown>>,
      deps.store.copy({ bucket: hit.result.bucket, key: frameProbsKey(hit.result.key) }, { bucket: output.bucket, key: frameProbsKey(output.key) }),
    ]);
  } catch (err) {
    if (toVadError(err).code !== 'INPUT_NOT_FOUND') throw err;
    await deps.cache.delete(identity);
    return null;
  }
  // The earlier job's exported speech is its own: this job exports again if it asks to.
  const { speech: _earlierSpeech, ...reused } = earlier;
  const detected = reused as { durationMs: number; channels: { channel: number; segments: [number, number][] }[] };
  const speech = data.output.speech && (await exportJobSpeech({ store: deps.store, metrics: deps.metrics, options: data.output.speech, input: data.input, output, detected, limits: deps.limits }));
  await deps.store.putJson(output.bucket, output.key, { ...reused, jobId, input: { bucket: data.input.bucket, key: data.input.key }, cached: true, speech });
  return { result: output, cached: true, durationMs: hit.durationMs, channels: hit.channels, timings: { cacheMs: performance.now() - started } };
}

/** QA statistics for two-channel calls (default roles: channel 0 agent, 1 customer); none for other channel counts. */
function callQa(result: DetectResult, roles?: DetectJobData['roles']) {
  if (result.channels.length !== 2 || result.durationMs <= 0) return undefined;
  return computeCallQa({ channels: result.channels.map((c) => c.segments), durationMs: result.durationMs, roles: roles && Object.fromEntries(Object.entries(roles).map(([c, r]) => [Number(c), r])) });
}

function progressReporter(job: DetectJob): (progress: JobProgress) => void {
  let last = 0;
  return (progress) => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    // Progress is advisory: a failed update (Redis blip) must not fail the job.
    job.updateProgress(progress).catch(() => undefined);
  };
}

function recordRun(metrics: WorkerMetrics, result: DetectResult, downloadMs: number, uploadMs: number): void {
  const t = result.timings;
  const stages = { download: downloadMs, decode: t.decodeMs, features: t.featuresMs, inference: t.modelMs, postprocess: t.postprocessMs, upload: uploadMs };
  for (const [stage, ms] of Object.entries(stages)) metrics.stageDuration.observe({ stage: stage as keyof typeof stages }, ms / 1000);
  metrics.audioProcessed.inc(result.durationMs / 1000);
  if (result.durationMs > 0) metrics.realTimeFactor.observe(t.totalMs / result.durationMs);
}

/** Non-retryable codes fail the job at once; retryable ones go back to BullMQ's attempts and backoff. */
function toJobFailure(err: unknown): Error {
  const error = toVadError(err);
  const reason = encodeJobError(error.toData());
  return error.retryable ? new Error(reason, { cause: err }) : new UnrecoverableError(reason);
}
