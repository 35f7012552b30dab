import type { Job } from 'bullmq';
import { decodeJobError, detectJobResultSchema, jobProgressSchema, type DetectJobData } from '@vadfleet/shared/queue';
import { isoTimestamp, type JobStatus, type JobView } from '@vadfleet/shared/schemas';

/**
 * A BullMQ detection job in `state` as the API shows it: BullMQ's states folded into the API's statuses
 * (waiting, prioritized, delayed for a retry: queued), its result or its error, and a job failed with
 * JOB_CANCELLED shown as cancelled.
 */
export function jobView(job: Job<DetectJobData, unknown, string>, state: string): JobView {
  let status: JobStatus;
  if (state === 'active') status = 'active';
  else if (state === 'completed') status = 'completed';
  else if (state === 'failed') status = 'failed';
  else status = 'queued'; // waiting, prioritized, delayed (retry backoff), waiting-children
  const progress = jobProgressSchema.safeParse(job.progress);
  const view: JobView = {
    id: job.id!,
    status,
    progress: progress.success ? progress.data : { audioMsDone: 0 },
    createdAt: isoTimestamp(job.data.acceptedAt ?? job.timestamp)!,
    startedAt: isoTimestamp(job.processedOn),
    finishedAt: status === 'completed' || status === 'failed' ? isoTimestamp(job.finishedOn) : undefined,
    attempts: job.attemptsMade,
  };
  if (job.data.filename) view.filename = job.data.filename;
  if (status === 'completed') {
    const result = detectJobResultSchema.safeParse(job.returnvalue);
    if (result.success) {
      view.result = result.data.result;
      view.cached = result.data.cached;
      view.timings = result.data.timings;
      view.warnings = result.data.warnings ?? [];
      view.progress = { audioMsDone: result.data.durationMs, audioMsTotal: result.data.durationMs };
    }
  }
  if (status === 'failed') {
    view.error = decodeJobError(job.failedReason);
    if (view.error.code === 'JOB_CANCELLED') view.status = 'cancelled';
  }
  return view;
}
