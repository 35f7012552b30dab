import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import { jobIdSchema, jobProgressSchema, objectRefSchema, warningDataSchema } from './queue.js';
import { speechExportSchema, speechResultSchema } from './speech-export.js';
import { resolvedVadParamsSchema, vadParamsSchema } from './vad-params.js';

/**
 * The HTTP API's request and response shapes. Routes validate with these and the OpenAPI document is
 * generated from them, so the docs cannot drift from what the server accepts.
 */

export const errorDataSchema = z
  .object({ code: z.enum(ERROR_CODES), message: z.string() })
  .meta({ id: 'ErrorData', description: 'An error as it crosses any boundary: a catalogue code and an actionable message.' });

export const errorBodySchema = z
  .object({ error: errorDataSchema })
  .meta({ id: 'Error', description: 'Every error response: a stable code from the catalogue and a message to act on.' });

export const jobStatusSchema = z.enum(['queued', 'active', 'completed', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof jobStatusSchema>;

const bucketSchema = z.string().min(3).max(63).describe('S3 bucket; must be listed in S3_ALLOWED_BUCKETS.');

const speechOutputSchema = speechExportSchema.meta({
  id: 'SpeechExportOptions',
  description:
    'Export the speech for speech recognition: clips or one speech-only track per channel, written beside the result JSON ' +
    '(<prefix>/<tenant>/<jobId>/…) and listed in the result\'s `speech`. Re-scoring does not re-export: submit a new job. See docs/speech-export.md.',
});

export const createJobJsonBodySchema = z
  .object({
    input: z.object({ s3: objectRefSchema.extend({ bucket: bucketSchema }).strict() }).strict(),
    params: vadParamsSchema.optional(),
    output: z
      .object({
        s3: z.object({ bucket: bucketSchema, prefix: z.string().max(512).optional().describe('Key prefix of the result JSON. Default: results.') }).strict().optional(),
        speech: speechOutputSchema.optional(),
      })
      .strict()
      .optional()
      .describe('Where to write the result JSON (default: RESULTS_BUCKET, prefix "results"), and whether to export the speech beside it.'),
  })
  .strict()
  .meta({ id: 'CreateJobRequest' });
export type CreateJobJsonBody = z.infer<typeof createJobJsonBodySchema>;

/** Documentation of the multipart form (parsed by hand while streaming, see the jobs route). */
export const createJobMultipartBodySchema = z
  .object({
    params: z.string().optional().describe('VAD parameters as JSON, e.g. {"preset":"lecture"}. Send it before `file`.'),
    output: z.string().optional().describe('Output options as JSON, e.g. {"speech":{"layout":"clips"}} (only `speech` for uploads). Send it before `file`.'),
    file: z.string().meta({ format: 'binary' }).describe('The audio file (WAV, MP3, FLAC, Ogg/Opus ...).'),
  })
  .meta({ id: 'CreateJobUpload' });

export const idempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Same key from the same tenant within 24 h returns the same job instead of creating another.'),
});

export const jobIdParamsSchema = z.object({ id: z.string().min(1).max(64) });

export const jobAcceptedSchema = z
  .object({
    id: jobIdSchema,
    status: jobStatusSchema,
    links: z.object({ self: z.string(), result: z.string() }),
  })
  .meta({ id: 'JobAccepted' });

/** ISO 8601 UTC timestamps (produced by the server, so documented by format rather than a regex). */
const timestampSchema = z.string().meta({ format: 'date-time' });

/** Epoch milliseconds as such a timestamp; undefined for a moment that has not happened (0 or absent). */
export function isoTimestamp(ms: number | undefined): string | undefined {
  return ms ? new Date(ms).toISOString() : undefined;
}

export const jobViewSchema = z
  .object({
    id: z.string(),
    status: jobStatusSchema,
    filename: z.string().optional().describe("An upload's file name as the client sent it."),
    progress: jobProgressSchema,
    createdAt: timestampSchema,
    startedAt: timestampSchema.optional(),
    finishedAt: timestampSchema.optional(),
    timings: z.record(z.string(), z.number()).optional().describe('Milliseconds per processing stage.'),
    result: objectRefSchema.optional().describe('Where the result JSON is stored.'),
    cached: z.boolean().optional().describe('True when the result came from the result cache.'),
    warnings: z.array(warningDataSchema).optional().describe('Of a completed job; empty when there is nothing to report.'),
    error: errorDataSchema.optional().describe('Why the job failed or was cancelled.'),
    attempts: z.number().int().nonnegative().describe('Processing attempts made so far.'),
  })
  .meta({ id: 'Job' });
export type JobView = z.infer<typeof jobViewSchema>;

export const listJobsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional().describe('`nextCursor` of the previous page.'),
});

export const jobListSchema = z
  .object({ items: z.array(jobViewSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'JobList' });

export const segmentSchema = z.tuple([z.number(), z.number()]).describe('[startMs, endMs) of one speech segment.');

/**
 * The result JSON stored in S3 and returned by GET /v1/jobs/{id}/result. Loose: fields the worker adds
 * later reach clients instead of being stripped by the response serializer.
 */
const channelSegmentsSchema = z.object({ channel: z.number().int(), segments: z.array(segmentSchema) });

export const resultDocumentSchema = z
  .looseObject({
    jobId: z.string(),
    input: objectRefSchema,
    cached: z.boolean(),
    durationMs: z.number(),
    sampleRate: z.number().int(),
    channels: z.array(channelSegmentsSchema),
    params: resolvedVadParamsSchema,
    model: z.object({ name: z.string(), sha256: z.string() }),
    version: z.string(),
    timings: z.record(z.string(), z.number()),
    warnings: z.array(warningDataSchema).describe('Empty when there is nothing to report (results stored before warnings existed have none).').optional(),
    speech: speechResultSchema.optional(),
  })
  .meta({ id: 'Result' });
export type ResultDocument = z.infer<typeof resultDocumentSchema>;

export const rescoreBodySchema = z.object({ params: vadParamsSchema }).strict().meta({ id: 'RescoreRequest' });

export const rescoreResultSchema = z
  .object({
    jobId: z.string(),
    channels: z.array(channelSegmentsSchema),
    params: resolvedVadParamsSchema,
  })
  .meta({ id: 'RescoreResult' });

export const healthSchema = z.object({ status: z.literal('ok') });
export const readinessSchema = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.object({ redis: z.string(), s3: z.string(), workers: z.string() }),
});

// ---- Batches (docs/batches.md) ----

export const batchStatusSchema = z.enum(['expanding', 'running', 'completed', 'cancelled', 'failed']);
export type BatchStatus = z.infer<typeof batchStatusSchema>;

export const channelRolesSchema = z
  .record(z.string().regex(/^\d{1,2}$/, 'a channel number'), z.enum(['agent', 'customer']))
  .describe('Channel → role for the QA statistics, default {"0": "agent", "1": "customer"}.');

export const MAX_BATCH_KEYS = 10_000;

export const createBatchBodySchema = z
  .object({
    input: z
      .object({
        s3: z
          .object({
            bucket: bucketSchema,
            prefix: z.string().max(1024).optional().describe('Every object under this key prefix ("" = the whole bucket).'),
            keys: z.array(z.string().min(1).max(1024)).min(1).max(MAX_BATCH_KEYS).optional().describe('Or an explicit list of object keys.'),
            suffix: z.string().max(64).optional().describe('Only keys ending with this, e.g. ".wav".'),
            glob: z.string().max(256).optional().describe('Only keys matching this glob (* within a path segment, ** across, ?), relative to the bucket.'),
          })
          .strict()
          .refine((s) => (s.prefix === undefined) !== (s.keys === undefined), 'give exactly one of "prefix" and "keys"'),
      })
      .strict(),
    params: vadParamsSchema.optional(),
    roles: channelRolesSchema.optional(),
    output: z
      .object({
        s3: z.object({ bucket: bucketSchema, prefix: z.string().max(512).optional().describe('Key prefix of the result JSON. Default: batches/<batchId>.') }).strict().optional(),
        speech: speechOutputSchema.optional(),
      })
      .strict()
      .optional(),
    webhook: z.object({ url: z.string().max(2048) }).strict().optional().describe('POSTed (signed) when the batch ends; see docs/webhooks.md.'),
    dryRun: z.boolean().optional().describe('List and estimate only: nothing is enqueued.'),
  })
  .strict()
  .meta({ id: 'CreateBatchRequest' });
export type CreateBatchBody = z.infer<typeof createBatchBodySchema>;

export const batchAcceptedSchema = z
  .object({ id: z.string(), status: batchStatusSchema, links: z.object({ self: z.string(), results: z.string() }) })
  .meta({ id: 'BatchAccepted' });
export type BatchAccepted = z.infer<typeof batchAcceptedSchema>;

export const batchDryRunSchema = z
  .object({
    dryRun: z.literal(true),
    objects: z.number().int().nonnegative(),
    totalBytes: z.number().int().nonnegative(),
    bytesPerSecond: z.number().positive().describe('Audio bytes per second assumed for the estimate (from the first object\'s WAV header, else 16 000: 8 kHz G.711 stereo).'),
    estimateBasis: z.string(),
    estimatedAudioHours: z.number().nonnegative(),
    fleetAudioSecondsPerSecond: z.number().nonnegative().nullable().describe('Measured fleet throughput (last 5 minutes of work).'),
    etaSeconds: z.number().nonnegative().nullable(),
  })
  .meta({ id: 'BatchDryRun' });
export type BatchDryRun = z.infer<typeof batchDryRunSchema>;

export const webhookAttemptSchema = z.object({
  at: timestampSchema,
  status: z.number().int().nullable(),
  ok: z.boolean(),
  error: errorDataSchema.optional(),
});

export const batchViewSchema = z
  .object({
    id: z.string(),
    status: batchStatusSchema,
    createdAt: timestampSchema,
    startedAt: timestampSchema.optional(),
    finishedAt: timestampSchema.optional(),
    listingComplete: z.boolean().describe('False while the prefix is still being listed (total still grows).'),
    counts: z.object({
      total: z.number().int().nonnegative(),
      pending: z.number().int().nonnegative().describe('Listed, not yet handed to the workers.'),
      inFlight: z.number().int().nonnegative().describe('Queued for or running on a worker.'),
      completed: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      cancelled: z.number().int().nonnegative(),
    }),
    percent: z.number().min(0).max(100),
    audioMsProcessed: z.number().nonnegative(),
    audioSecondsPerSecond: z.number().nonnegative().nullable().describe('Audio seconds processed per wall-clock second since the first item was handed out.'),
    etaSeconds: z.number().nonnegative().nullable(),
    error: errorDataSchema.optional().describe('Why listing the input failed.'),
    webhook: z.object({ url: z.string(), attempts: z.array(webhookAttemptSchema), delivered: z.boolean() }).optional(),
  })
  .meta({ id: 'Batch' });
export type BatchView = z.infer<typeof batchViewSchema>;

export const listBatchesQuerySchema = listJobsQuerySchema.extend({
  status: batchStatusSchema.optional().describe('Only batches in this state.'),
});

export const batchListSchema = z
  .object({ items: z.array(batchViewSchema), nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last.') })
  .meta({ id: 'BatchList' });

export const batchResultsQuerySchema = z.object({ format: z.enum(['ndjson', 'csv']).default('ndjson') });
