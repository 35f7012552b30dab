import type { Job } from 'bullmq';
import type { Vad } from '@vadfleet/vad-core';
import { FrameProbsRecorder, buildResultDocument } from '@vadfleet/vad-postprocess';
import { VadError } from '@vadfleet/shared/errors';
import { parseDetectJobData, resultKey, type DetectJobData, type DetectJobResult } from '@vadfleet/shared/queue';
import { modelOf } from '@vadfleet/shared/vad-params';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import { putResultObjects, type ResultCache } from '@vadfleet/platform/result-cache';
import type { WorkerMetrics } from '@vadfleet/platform/metrics';
import { progressReporter, recordRun, toJobFailure } from './job-reporting.js';
import { speechExporter } from './speech-step.js';

export interface ProcessorDeps {
  vad: Pick<Vad, 'detect' | 'modelFor' | 'postConfig'>; store: ObjectStore; cache: ResultCache; metrics: WorkerMetrics;
  isCancelled(jobId: string): Promise<boolean>;
  limits: { maxChannels: number; maxDurationMs: number; maxInputBytes: number };
}
export type DetectJob = Job<DetectJobData, DetectJobResult>;
/** One detection job: an earlier result if the cache has one (before a byte is read), else S3 → vad-core → S3, streamed. */
export const createProcessor = (deps: ProcessorDeps) => (job: DetectJob, _token?: string, signal?: AbortSignal) =>
  processJob(deps, job, signal).catch((err: unknown) => Promise.reject(toJobFailure(signal?.aborted ? new VadError('JOB_CANCELLED') : err)));
async function processJob({ vad, store, cache, metrics, isCancelled, limits }: ProcessorDeps, job: DetectJob, signal?: AbortSignal): Promise<DetectJobResult> {
  const [data, jobId] = [parseDetectJobData(job.data), job.id!];
  if (await isCancelled(jobId)) throw new VadError('JOB_CANCELLED');
  metrics.jobQueueWait.observe(Math.max(0, Date.now() - data.acceptedAt) / 1000);
  const [input, output] = [{ bucket: data.input.bucket, key: data.input.key }, { bucket: data.output.bucket, key: resultKey(data.output.prefix, data.tenant, jobId) }];
  const subject = { tenant: data.tenant, input: data.input, fingerprint: { modelSha256: (await vad.modelFor(modelOf(data.params))).sha256, params: data.params } };
  const exportSpeech = speechExporter({ store, metrics, limits, signal }, data, output);
  const served = await cache.serve(store, subject, { output, stamp: { jobId, input }, restamp: async (earlier) => ({ speech: await exportSpeech(earlier) }), onLookup: (result) => metrics.cacheLookups.inc({ result }) });
  if (served) return served;
  const object = await store.openMetered(input.bucket, input.key, { maxBytes: limits.maxInputBytes, hash: data.input.sha256 === undefined }); // uploads were hashed by the API
  const probs = new FrameProbsRecorder();
  const result = await vad.detect(object.body, { params: data.params, signal, onProgress: progressReporter(job), onFrameProbs: probs.onFrameProbs, maxChannels: limits.maxChannels, maxDurationMs: limits.maxDurationMs, maxInputBytes: limits.maxInputBytes }).finally(object.close);
  const [downloadMs, uploadStarted] = [object.elapsedMs(), performance.now()];
  await putResultObjects(store, output, buildResultDocument(result, modelOf(data.params) === 'fsmn' ? probs.result(vad.postConfig, result.channels.length) : undefined, { jobId, input, roles: data.roles, speech: await exportSpeech(result) }));
  const timings = recordRun(metrics, result, { openedAt: object.openedAt, downloadMs, uploadStarted });
  const entry = { result: output, durationMs: result.durationMs, channels: result.channels.length, warnings: result.warnings };
  await cache.remember({ ...subject, input: { ...input, etag: object.etag, size: object.size, sha256: data.input.sha256 ?? object.sha256() } }, entry); // the version read, and the content if known
  return { ...entry, cached: false, timings };
}
