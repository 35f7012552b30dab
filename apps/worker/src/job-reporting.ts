/** How a detection job reports to BullMQ and Prometheus: throttled progress, its run's metrics, its failure. */
import { UnrecoverableError, type Job } from 'bullmq';
import type { DetectResult } from '@vadfleet/vad-core';
import { toVadError } from '@vadfleet/shared/errors';
import { encodeJobError, type JobProgress } from '@vadfleet/shared/queue';
import type { WorkerMetrics } from '@vadfleet/platform/metrics';

/** Progress is a Redis round trip; one update per interval is plenty for a progress bar. */
const PROGRESS_INTERVAL_MS = 500;

/** vad-core's onProgress for a job: throttled, and advisory (a failed update, a Redis blip, must not fail the job). */
export function progressReporter(job: Pick<Job, 'updateProgress'>): (progress: JobProgress) => void {
  let last = 0;
  return (progress) => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    job.updateProgress(progress).catch(() => undefined);
  };
}

/**
 * Records a model run's stage durations, audio, warnings and real-time factor (cache hits are not runs);
 * returns the job's timings, to 0.01 ms as vad-core rounds its stages, with totalMs the job's wall time
 * from the input's request to the result stored (vad-core's own starts after the download began).
 */
export function recordRun(metrics: WorkerMetrics, result: DetectResult, clock: { openedAt: number; downloadMs: number; uploadStarted: number }): Record<string, number> {
  const t = result.timings;
  const now = performance.now();
  const [downloadMs, uploadMs] = [clock.downloadMs, now - clock.uploadStarted];
  const stages = { download: downloadMs, decode: t.decodeMs, features: t.featuresMs, inference: t.modelMs, postprocess: t.postprocessMs, upload: uploadMs };
  for (const [stage, ms] of Object.entries(stages)) metrics.stageDuration.observe({ stage: stage as keyof typeof stages }, ms / 1000);
  metrics.audioProcessed.inc(result.durationMs / 1000);
  for (const warning of result.warnings) metrics.inputWarnings.inc({ code: warning.code });
  if (result.durationMs > 0) metrics.realTimeFactor.observe(t.totalMs / result.durationMs);
  const timings: Record<string, number> = { downloadMs, ...t, uploadMs, totalMs: now - clock.openedAt };
  return Object.fromEntries(Object.entries(timings).map(([stage, ms]) => [stage, Math.round(ms * 100) / 100]));
}

/** Non-retryable codes fail the job at once; retryable ones go back to BullMQ's attempts and backoff. */
export function toJobFailure(err: unknown): Error {
  const error = toVadError(err);
  const reason = encodeJobError(error.toData());
  return error.retryable ? new Error(reason, { cause: err }) : new UnrecoverableError(reason);
}
