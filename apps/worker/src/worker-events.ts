import type { Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { DETECT_QUEUE_NAME, decodeJobError, detectJobDataSchema, type DetectJobResult } from '@vadfleet/shared/queue';
import type { WorkerMetrics } from '@vadfleet/platform/metrics';
import { isFinalFailure } from '@vadfleet/platform/queue';

export interface WorkerEventDeps<D> {
  metrics: WorkerMetrics;
  log: Logger;
  /** A job completed (after BullMQ recorded it). */
  onCompleted(result: DetectJobResult): void;
  /** A job attempt failed, final or not (BullMQ also fails jobs it never ran: stalled too often). */
  onFailed(job: Job<D, DetectJobResult>, err: Error): void;
}

/** What the events read of a job's data: it may be malformed (the processor fails such a job). */
const jobLabelsSchema = detectJobDataSchema.pick({ tenant: true, acceptedAt: true }).partial();

/** The detection worker's events → metrics and one log line per job start, end and failed attempt. */
export function observeDetectWorker<D>(worker: Worker<D, DetectJobResult>, deps: WorkerEventDeps<D>): void {
  const { metrics, log } = deps;
  const labels = (job: Job<D, DetectJobResult>) => {
    const parsed = jobLabelsSchema.safeParse(job.data);
    return parsed.success ? parsed.data : {};
  };
  const jobLog = (job: Job<D, DetectJobResult>) => log.child({ jobId: job.id, tenant: labels(job).tenant, queue: DETECT_QUEUE_NAME });
  worker.on('active', (job) => jobLog(job).info({ attempt: job.attemptsMade + 1 }, 'job started'));
  worker.on('completed', (job, result) => {
    const cached = String(result.cached) as 'true' | 'false';
    const acceptedAt = labels(job).acceptedAt ?? job.timestamp;
    metrics.jobs.inc({ outcome: 'completed', cached });
    metrics.jobLatency.observe({ cached }, Math.max(0, Date.now() - acceptedAt) / 1000);
    jobLog(job).info({ cached, audioMs: result.durationMs, channels: result.channels, timings: result.timings }, 'job completed');
    deps.onCompleted(result);
  });
  worker.on('failed', (job, err) => {
    const { code } = decodeJobError(err.message);
    metrics.errors.inc({ code });
    if (!job) return void log.warn({ code, err: err.message }, 'job failed');
    const final = isFinalFailure(err, job.attemptsMade, job);
    if (final) metrics.jobs.inc({ outcome: code === 'JOB_CANCELLED' ? 'cancelled' : 'failed', cached: 'false' });
    deps.onFailed(job, err);
    // Unknown errors (INTERNAL) carry their cause for the logs only; the job reason stays generic.
    jobLog(job).warn({ code, reason: err.message, willRetry: !final, attempt: job.attemptsMade, err: code === 'INTERNAL' ? err.cause ?? err : undefined }, 'job failed');
  });
  worker.on('stalled', (jobId) => {
    metrics.jobsStalled.inc();
    log.warn({ jobId }, 'job stalled');
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
}
