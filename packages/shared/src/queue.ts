import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ERROR_CATALOGUE, VadError, WARNING_CODES, type ErrorData } from './errors.js';
import { resolvedSpeechExportSchema } from './speech-export.js';
import { resolvedVadParamsSchema } from './vad-params.js';

/**
 * The contract between the API (producer) and the worker (consumer) of detection jobs: names, payloads,
 * return values, how failures are encoded, and every Redis key either side reads or writes.
 */

export const DETECT_QUEUE_NAME = 'vad-jobs';
export const DETECT_JOB_NAME = 'detect';
/** Braces make a Redis Cluster hash tag, so all of a queue's keys live in one slot. */
export const DEFAULT_QUEUE_PREFIX = '{vadfleet}';

/**
 * Unguessable (128 bits), free of ':' (BullMQ refuses custom ids containing it), and never starting with
 * '-': one base64url id in 64 would, and a command line reads it as an option (`vadfleet batch status
 * -x…` was a usage error, which made the batch CLI test fail about once per full run).
 */
export function newJobId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (id[0] !== '-') return id;
  }
}

export const jobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'a job id is 22 base64url characters');

export const objectRefSchema = z.object({
  bucket: z.string().min(3).max(63),
  key: z.string().min(1).max(1024),
});
export type ObjectRef = z.infer<typeof objectRefSchema>;

export const detectJobDataSchema = z.object({
  tenant: z.string().min(1),
  input: objectRefSchema.extend({
    etag: z.string().optional(),
    size: z.number().int().nonnegative().optional(),
    /** SHA-256 (hex) of the object's bytes when known (the API hashes uploads as they stream). */
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  }),
  params: resolvedVadParamsSchema,
  /** Where the result JSON goes; `speech`: export the speech too (docs/speech-export.md). */
  output: z.object({ bucket: z.string().min(3).max(63), prefix: z.string(), speech: resolvedSpeechExportSchema.optional() }),
  /** Epoch milliseconds at which the API accepted the job. */
  acceptedAt: z.number().int(),
  source: z.enum(['upload', 's3']),
  /** The upload's file name as the client sent it (multipart `filename`), for listings. */
  filename: z.string().max(255).optional(),
  /** Channel → role for the QA statistics of two-channel calls; default {0: agent, 1: customer}. */
  roles: z.record(z.string(), z.enum(['agent', 'customer'])).optional(),
  /** Set on the items of a batch: the batch and the item's index in it. */
  batch: z.object({ id: z.string().min(1), index: z.number().int().nonnegative() }).optional(),
});
export type DetectJobData = z.infer<typeof detectJobDataSchema>;

/** A job's data as the worker receives it; anything else (a foreign or corrupted job) is BAD_REQUEST. */
export function parseDetectJobData(raw: unknown): DetectJobData {
  const parsed = detectJobDataSchema.safeParse(raw);
  if (!parsed.success) throw new VadError('BAD_REQUEST', `The job data is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export const warningDataSchema = z
  .object({
    code: z.enum(WARNING_CODES),
    message: z.string(),
    declaredMs: z.number().nonnegative().optional().describe('TRUNCATED_INPUT: the length the header declares, when it declares one.'),
    decodedMs: z.number().nonnegative().optional().describe('TRUNCATED_INPUT: the length that was decoded and analysed.'),
  })
  .meta({ id: 'Warning', description: 'Something to know about a successful run, e.g. TRUNCATED_INPUT: the input ends before its header says.' });

export const detectJobResultSchema = z.object({
  result: objectRefSchema,
  cached: z.boolean(),
  /** Audio duration. */
  durationMs: z.number().nonnegative(),
  channels: z.number().int().positive(),
  /** Milliseconds per processing stage. */
  timings: z.record(z.string(), z.number()),
  /** E.g. TRUNCATED_INPUT; absent in results of workers that predate warnings. */
  warnings: z.array(warningDataSchema).optional(),
});
export type DetectJobResult = z.infer<typeof detectJobResultSchema>;

export const jobProgressSchema = z.object({
  audioMsDone: z.number().nonnegative(),
  audioMsTotal: z.number().nonnegative().optional(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

/**
 * A failed job's reason is the JSON of `{code, message}`, so `job.failedReason` turns back into the
 * same error on the API side. The worker throws `UnrecoverableError(encodeJobError(e))` when
 * `ERROR_CATALOGUE[code].retryable` is false and a plain `Error(encodeJobError(e))` otherwise.
 */
export function encodeJobError(err: ErrorData): string {
  return JSON.stringify({ code: err.code, message: err.message });
}

/** Anything that is not an encoded error (a BullMQ stall message, a crash) becomes INTERNAL with a fixed message. */
export function decodeJobError(reason: string | undefined | null): ErrorData {
  if (reason) {
    try {
      return VadError.fromData(JSON.parse(reason)).toData();
    } catch {
      // Not JSON: a reason written by BullMQ itself (e.g. "job stalled more than allowable limit").
    }
  }
  return { code: 'INTERNAL', message: ERROR_CATALOGUE.INTERNAL.message };
}

/** Every Redis key and channel outside BullMQ's own, derived from the queue prefix in one place. */
export function queueKeys(prefix: string) {
  return {
    /** Set with a 1 h TTL when an active job is cancelled; the worker checks it before and while running. */
    cancel: (jobId: string) => `${prefix}:cancel:${jobId}`,
    /** Pub/sub channel carrying the ids of jobs to cancel. */
    cancelChannel: `${prefix}:cancel`,
    /** Sorted set of a tenant's job ids, score = acceptedAt (ms). */
    tenantJobs: (tenant: string) => `${prefix}:tenant:${tenant}:jobs`,
    /** Hash {tenant, acceptedAt, status?} kept beside the BullMQ job (outlives its removal). */
    jobMeta: (jobId: string) => `${prefix}:jobmeta:${jobId}`,
    /** Idempotency-Key → job id, per tenant; `keyHash` is the SHA-256 hex of the header value. */
    idempotency: (tenant: string, keyHash: string) => `${prefix}:idem:${tenant}:${keyHash}`,
    /** A live worker's heartbeat (30 s TTL, renewed every 10 s). */
    worker: (workerId: string) => `${prefix}:workers:${workerId}`,
    /** Sorted set of worker ids by heartbeat expiry (ms): readiness reads it without scanning the keyspace. */
    liveWorkers: `${prefix}:live-workers`,
    /** Hash of a batch: request, tenant, status and its exact counters (see docs/batches.md). */
    batch: (batchId: string) => `${prefix}:batch:${batchId}`,
    /** Hash index → JSON {key, size, etag} of every listed object of a batch. */
    batchItems: (batchId: string) => `${prefix}:batch:${batchId}:items`,
    /** Hash index → JSON terminal record of an item; written once (HSETNX), so an item counts once. */
    batchDone: (batchId: string) => `${prefix}:batch:${batchId}:done`,
    /** Hash index → the completed item's result JSON (deflated), written with its record: results stream without S3 reads. */
    batchResults: (batchId: string) => `${prefix}:batch:${batchId}:results`,
    /** Sorted set of a tenant's batch ids, score = createdAt (ms): GET /v1/batches. */
    tenantBatches: (tenant: string) => `${prefix}:tenant:${tenant}:batches`,
    /** List of item indexes listed but not yet handed to the detection queue. */
    batchPending: (batchId: string) => `${prefix}:batch:${batchId}:pending`,
    /** List of webhook delivery attempts (JSON), oldest first. */
    batchWebhookAttempts: (batchId: string) => `${prefix}:batch:${batchId}:webhook`,
    /** Round-robin list of tenants with pending batch items. */
    feederTenants: `${prefix}:feeder:tenants`,
    /** Round-robin list of a tenant's batches with pending items. */
    feederTenantBatches: (tenant: string) => `${prefix}:feeder:tenant:${tenant}:batches`,
    /** Set of a tenant's batch item ids handed to the detection queue and not yet finished. */
    feederInFlight: (tenant: string) => `${prefix}:feeder:tenant:${tenant}:inflight`,
    /** Set of batch ids not yet finished (the vadfleet_batches_active gauge). */
    activeBatches: `${prefix}:batches:active`,
    /** Hash outcome → count of batch items, fleet-wide (the vadfleet_batch_items_total counter). */
    batchItemTotals: `${prefix}:batches:item-totals`,
    /** Audio milliseconds completed by the fleet in one 10-second bucket (throughput estimate). */
    fleetAudioBucket: (bucket: number) => `${prefix}:fleet:audio-ms:${bucket}`,
  };
}

export const BATCH_EXPAND_QUEUE_NAME = 'vad-batch-expand';
export const BATCH_EXPAND_JOB_NAME = 'expand';
export const WEBHOOK_QUEUE_NAME = 'vad-webhooks';
export const WEBHOOK_JOB_NAME = 'batch-webhook';
/**
 * BullMQ priority of batch items. Interactive jobs carry no priority, and BullMQ serves its un-prioritised
 * wait list before any prioritised job, so an interactive job overtakes every batch item not yet started.
 */
export const BATCH_ITEM_PRIORITY = 10;
/** Width of one fleet-throughput bucket. */
export const FLEET_BUCKET_MS = 10_000;

export type QueueName = typeof DETECT_QUEUE_NAME | typeof BATCH_EXPAND_QUEUE_NAME | typeof WEBHOOK_QUEUE_NAME;

const DAY_SECONDS = 86_400;
/** A finished job is kept a day, a failed one a week (the API's views and batch records outlive both by a day). */
const RETENTION = { removeOnComplete: { age: DAY_SECONDS }, removeOnFail: { age: 7 * DAY_SECONDS } } as const;

/**
 * Attempts, backoff and retention of each queue's jobs, in one place so that producers cannot drift:
 * detection jobs retry an outage for a while; a batch's listing (the expand job) resumes after its last
 * stored page, so it may retry longer; a webhook retries from 2 s on, as often as WEBHOOK_ATTEMPTS says.
 */
const JOB_OPTIONS = {
  [DETECT_QUEUE_NAME]: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: DAY_SECONDS, count: 10_000 }, removeOnFail: RETENTION.removeOnFail },
  [BATCH_EXPAND_QUEUE_NAME]: { attempts: 10, backoff: { type: 'exponential', delay: 1000 }, ...RETENTION },
  [WEBHOOK_QUEUE_NAME]: { attempts: 6, backoff: { type: 'exponential', delay: 2000 }, ...RETENTION },
} as const;

export interface JobOverrides {
  jobId?: string;
  attempts?: number;
  priority?: number;
}

/** The job options of `queue` (BullMQ JobsOptions), with this job's id, attempts or priority on top. */
export function jobOptions<Q extends QueueName>(queue: Q, job: JobOverrides = {}): (typeof JOB_OPTIONS)[Q] & JobOverrides {
  const given = Object.fromEntries(Object.entries(job).filter(([, value]) => value !== undefined)) as JobOverrides;
  return { ...JOB_OPTIONS[queue], ...given };
}

/** The BullMQ job id of a batch item: `<batchId>-<index>` (BullMQ refuses ':' in ids). */
export function batchItemId(batchId: string, index: number): string {
  return `${batchId}-${index}`;
}

export function parseBatchItemId(itemId: string): { batchId: string; index: number } {
  const at = itemId.lastIndexOf('-');
  return { batchId: itemId.slice(0, at), index: Number(itemId.slice(at + 1)) };
}

export const batchExpandJobDataSchema = z.object({ batchId: z.string().min(1) });
export type BatchExpandJobData = z.infer<typeof batchExpandJobDataSchema>;
export const webhookJobDataSchema = z.object({ batchId: z.string().min(1) });
export type WebhookJobData = z.infer<typeof webhookJobDataSchema>;

export const CANCEL_TTL_SECONDS = 3600;
export const WORKER_HEARTBEAT_TTL_SECONDS = 30;
export const WORKER_HEARTBEAT_INTERVAL_MS = 10_000;
export const IDEMPOTENCY_TTL_SECONDS = 86_400;

export const DEFAULT_RESULTS_PREFIX = 'results';

/** Where an uploaded file is stored in the upload bucket. */
export function uploadKey(tenant: string, jobId: string): string {
  return `${tenant}/${jobId}/audio`;
}

/** Where a job's per-frame P(silence) is stored, beside its result JSON (used by re-scoring). */
export function frameProbsKey(resultJsonKey: string): string {
  return resultJsonKey.replace(/\.json$/, '') + '.frame-probs';
}

/** Where a job's result JSON is stored in its output bucket. */
export function resultKey(prefix: string, tenant: string, jobId: string): string {
  const dir = prefix.replace(/\/+$/, '');
  return dir ? `${dir}/${tenant}/${jobId}.json` : `${tenant}/${jobId}.json`;
}
