import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import { jobIdSchema, jobProgressSchema, objectRefSchema, resolvedVadParamsSchema } from './queue.js';
import { vadParamsSchema } from './vad-params.js';

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

export const createJobJsonBodySchema = z
  .object({
    input: z.object({ s3: objectRefSchema.extend({ bucket: bucketSchema }).strict() }).strict(),
    params: vadParamsSchema.optional(),
    output: z
      .object({
        s3: z.object({ bucket: bucketSchema, prefix: z.string().max(512).optional().describe('Key prefix of the result JSON. Default: results.') }).strict(),
      })
      .strict()
      .optional()
      .describe('Where to write the result JSON. Default: RESULTS_BUCKET, prefix "results".'),
  })
  .strict()
  .meta({ id: 'CreateJobRequest' });
export type CreateJobJsonBody = z.infer<typeof createJobJsonBodySchema>;

/** Documentation of the multipart form (parsed by hand while streaming, see the jobs route). */
export const createJobMultipartBodySchema = z
  .object({
    params: z.string().optional().describe('VAD parameters as JSON, e.g. {"preset":"lecture"}. Send it before `file`.'),
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

export const jobViewSchema = z
  .object({
    id: z.string(),
    status: jobStatusSchema,
    progress: jobProgressSchema,
    createdAt: timestampSchema,
    startedAt: timestampSchema.optional(),
    finishedAt: timestampSchema.optional(),
    timings: z.record(z.string(), z.number()).optional().describe('Milliseconds per processing stage.'),
    result: objectRefSchema.optional().describe('Where the result JSON is stored.'),
    cached: z.boolean().optional().describe('True when the result came from the result cache.'),
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
