import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { jsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiConfig } from '@vadfleet/shared/config';
import { VadError } from '@vadfleet/shared/errors';
import { DEFAULT_RESULTS_PREFIX, frameProbsKey, newJobId, uploadKey, type DetectJobData } from '@vadfleet/shared/queue';
import {
  createJobJsonBodySchema,
  createJobMultipartBodySchema,
  idempotencyHeadersSchema,
  jobAcceptedSchema,
  jobIdParamsSchema,
  jobListSchema,
  jobViewSchema,
  listJobsQuerySchema,
  rescoreBodySchema,
  rescoreResultSchema,
  resultDocumentSchema,
} from '@vadfleet/shared/schemas';
import { canonicalParams, paramsIssueError, parseVadParams, resolveVadParams, type ResolvedVadParams } from '@vadfleet/shared/vad-params';
import { speechExportSchema, type SpeechExportOptions } from '@vadfleet/shared/speech-export';
import { decodeFrameProbs, rescoreFrameProbs } from '@vadfleet/vad-postprocess';
import type { ApiMetrics } from '@vadfleet/platform/metrics';
import { requestFingerprint, type IdempotencyKeys } from '@vadfleet/platform/idempotency';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import type { JobStore } from '@vadfleet/jobs/job-store';
import { bucketGuard } from '../bucket-guard.js';
import { errorResponses as errors } from './error-responses.js';

export interface JobRouteDeps {
  config: ApiConfig;
  jobs: JobStore;
  idempotency: IdempotencyKeys;
  objectStore: ObjectStore;
  metrics: ApiMetrics;
}

/** What a client refused for MAX_CONCURRENT_UPLOADS is told to wait: uploads last seconds, and a balancer may pick another instance. */
const UPLOADS_BUSY_RETRY_AFTER_S = 1;

/** Room for multipart boundaries and the params field on top of MAX_UPLOAD_BYTES in the Content-Length check. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** Zod issues of a JSON body → INVALID_PARAMS naming the field (the shared translation) or BAD_REQUEST for the rest. */
function bodyError(error: z.ZodError): VadError {
  const issue = error.issues[0];
  if (issue.path[0] === 'params') return paramsIssueError({ ...issue, path: issue.path.slice(1) });
  if (issue.path[0] === 'output' && issue.path[1] === 'speech') return outputIssueError(issue);
  const name = ['body', ...issue.path.map(String)].join('.');
  const detail = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
  return new VadError('BAD_REQUEST', `Invalid ${name}: ${detail}.`);
}

/** The multipart `params` field: JSON text, resolved at once. */
function parseParamsField(text: string): ResolvedVadParams {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new VadError('BAD_REQUEST', `The params field is not valid JSON: ${(err as Error).message}`);
  }
  return parseVadParams(json);
}

/** The multipart `output` field: only `speech` (an upload's result always goes to the results bucket). */
function parseOutputField(text: string): SpeechExportOptions | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new VadError('BAD_REQUEST', `The output field is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = uploadOutputSchema.safeParse(json);
  if (!parsed.success) throw outputIssueError(parsed.error.issues[0], ['output']);
  return parsed.data.speech;
}

/** A zod issue of the output options (`output.speech.*`) → INVALID_PARAMS naming the option. */
function outputIssueError(issue: z.core.$ZodIssue, prefix: string[] = []): VadError {
  const field = [...prefix, ...issue.path.map(String)].join('.');
  const detail = issue.code === 'unrecognized_keys' ? `unknown option ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
  return new VadError('INVALID_PARAMS', `Invalid ${field}: ${detail}.`, { field });
}

const uploadOutputSchema = z.object({ speech: speechExportSchema.optional() }).strict();

export async function jobRoutes(app: FastifyInstance, deps: JobRouteDeps): Promise<void> {
  const { config, jobs, idempotency, objectStore, metrics } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const buckets = bucketGuard(config);
  /** Uploads this instance is receiving now: each may hold a part buffer, so their number bounds memory. */
  let uploadsInFlight = 0;

  const accepted = async (reply: FastifyReply, tenant: string, { id, replayed }: { id: string; replayed: boolean }) => {
    // A new job was just queued; a replayed Idempotency-Key reports the job's current status (its first
    // request may still be enqueueing).
    const status = replayed
      ? await jobs.view(tenant, id).then(
          (v) => v.status,
          () => 'queued' as const,
        )
      : ('queued' as const);
    const self = `/v1/jobs/${id}`;
    return reply.code(202).header('location', self).send({ id, status, links: { self, result: `${self}/result` } });
  };

  /** Runs `create` for a new job id unless the request's Idempotency-Key already names a job. */
  const withIdempotency = (request: FastifyRequest, fingerprint: string, create: (jobId: string) => Promise<void>) => {
    const key = request.headers['idempotency-key'];
    return idempotency.run({ tenant: request.tenant, kind: 'job', key: typeof key === 'string' ? key : undefined, fingerprint }, newJobId(), create);
  };

  const enqueue = async (jobId: string, data: DetectJobData) => {
    await jobs.enqueue(jobId, data);
    metrics.jobsAccepted.inc({ source: data.source });
  };

  const createFromJson = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.body === undefined || request.body === null) {
      throw new VadError('BAD_REQUEST', 'Send a JSON body {"input": {"s3": {...}}} or a multipart/form-data upload with a `file` field.');
    }
    const parsed = createJobJsonBodySchema.safeParse(request.body);
    if (!parsed.success) throw bodyError(parsed.error);
    const body = parsed.data;
    buckets.input(request.tenant, body.input.s3.bucket, body.input.s3.key);
    const speech = body.output?.speech;
    const output = { bucket: body.output?.s3?.bucket ?? config.RESULTS_BUCKET, prefix: body.output?.s3?.prefix ?? DEFAULT_RESULTS_PREFIX, ...(speech ? { speech } : {}) };
    buckets.output(output.bucket);
    const params = resolveVadParams(body.params);
    const fingerprint = requestFingerprint(['s3', body.input.s3.bucket, body.input.s3.key, canonicalParams(params), output.bucket, output.prefix, speech ?? null]);
    const created = await withIdempotency(request, fingerprint, async (id) => {
      const head = await objectStore.head(body.input.s3.bucket, body.input.s3.key);
      if (!head) throw new VadError('INPUT_NOT_FOUND', `s3://${body.input.s3.bucket}/${body.input.s3.key} does not exist.`);
      await enqueue(id, {
        tenant: request.tenant,
        input: { bucket: body.input.s3.bucket, key: body.input.s3.key, etag: head.etag, size: head.size },
        params,
        output,
        acceptedAt: Date.now(),
        source: 's3',
      });
    });
    return accepted(reply, request.tenant, created);
  };

  /** Runs an upload unless MAX_CONCURRENT_UPLOADS are already arriving (503 UPLOADS_BUSY with Retry-After). */
  const withUploadSlot = async (reply: FastifyReply, receive: () => Promise<FastifyReply>) => {
    if (uploadsInFlight >= config.MAX_CONCURRENT_UPLOADS) {
      reply.header('retry-after', String(UPLOADS_BUSY_RETRY_AFTER_S));
      throw new VadError('UPLOADS_BUSY', `This API instance is receiving its maximum of ${config.MAX_CONCURRENT_UPLOADS} uploads at once; retry in ${UPLOADS_BUSY_RETRY_AFTER_S} s.`);
    }
    uploadsInFlight++;
    try {
      return await receive();
    } finally {
      uploadsInFlight--;
    }
  };

  /** Streams the `file` part straight to S3; `params`, if sent, must come first. */
  const createFromUpload = async (request: FastifyRequest, reply: FastifyReply) => {
    const declared = Number(request.headers['content-length']);
    if (declared > config.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES) {
      throw new VadError('PAYLOAD_TOO_LARGE', `The upload is larger than the maximum of ${config.MAX_UPLOAD_BYTES} bytes.`);
    }
    let params: ResolvedVadParams | undefined;
    let speech: SpeechExportOptions | undefined;
    let result: { id: string; replayed: boolean } | undefined;
    const parts = request.parts({
      // One byte over the limit reaches ObjectStore.putStream, which refuses it and cleans up.
      limits: { fileSize: config.MAX_UPLOAD_BYTES + 1, files: 1, fields: 4, fieldSize: 64 * 1024, parts: 5 },
    });
    for await (const part of parts) {
      if (part.type === 'field') {
        if (part.fieldname !== 'params' && part.fieldname !== 'output') throw new VadError('BAD_REQUEST', `Unexpected form field "${part.fieldname}"; expected "params", "output" and "file".`);
        if (result) throw new VadError('BAD_REQUEST', `Send the ${part.fieldname} field before the file field.`);
        if (part.fieldname === 'params') params = parseParamsField(String(part.value));
        else speech = parseOutputField(String(part.value));
        continue;
      }
      if (part.fieldname !== 'file' || result) {
        part.file.resume();
        throw new VadError('BAD_REQUEST', 'Send exactly one file, in the form field "file".');
      }
      result = await storeUpload(request, part, params ?? resolveVadParams(), speech);
    }
    if (!result) throw new VadError('BAD_REQUEST', 'The multipart form has no "file" field.');
    return accepted(reply, request.tenant, result);
  };

  const storeUpload = async (request: FastifyRequest, part: MultipartFile, params: ResolvedVadParams, speech: SpeechExportOptions | undefined) => {
    return withIdempotency(request, requestFingerprint(['upload', canonicalParams(params), speech ?? null]), async (jobId) => {
      const key = uploadKey(request.tenant, jobId);
      const stored = await objectStore.putStream(config.UPLOAD_BUCKET, key, part.file, {
        contentType: part.mimetype || 'application/octet-stream',
        maxBytes: config.MAX_UPLOAD_BYTES,
      });
      try {
        await enqueue(jobId, {
          tenant: request.tenant,
          input: { bucket: config.UPLOAD_BUCKET, key, etag: stored.etag, size: stored.size, sha256: stored.sha256 },
          params,
          output: { bucket: config.RESULTS_BUCKET, prefix: DEFAULT_RESULTS_PREFIX, ...(speech ? { speech } : {}) },
          acceptedAt: Date.now(),
          source: 'upload',
          // Control characters dropped: the name is shown in the console and listings, never used as a path.
          filename: part.filename ? part.filename.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255) || undefined : undefined,
        });
      } catch (err) {
        await objectStore.delete(config.UPLOAD_BUCKET, key).catch(() => undefined);
        throw err;
      }
    }).finally(() => part.file.resume()); // an idempotent replay leaves the file unread: drain it
  };

  r.post(
    '/jobs',
    {
      schema: {
        summary: 'Submit audio for voice-activity detection',
        operationId: 'createJob',
        description:
          'Either upload the audio as multipart/form-data (field `file`, optional `params` JSON field first), ' +
          'or name an S3 object with a JSON body. Uploads stream to S3 and may not exceed MAX_UPLOAD_BYTES.',
        tags: ['jobs'],
        headers: idempotencyHeadersSchema,
        response: { 202: jobAcceptedSchema, ...errors(400, 401, 403, 404, 409, 413, 429, 503) },
      },
      config: {
        // The body is validated in the handler (a streamed upload has no body to validate up front), so
        // the two request bodies are added to the OpenAPI document here.
        swaggerTransform: (doc) => {
          const out = jsonSchemaTransform(doc) as { schema: Record<string, unknown>; url: string };
          const toJson = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0' });
          out.schema.body = {
            content: {
              'application/json': { schema: toJson(createJobJsonBodySchema) },
              'multipart/form-data': { schema: toJson(createJobMultipartBodySchema) },
            },
          };
          return out;
        },
      },
    },
    async (request, reply) => (request.isMultipart() ? withUploadSlot(reply, () => createFromUpload(request, reply)) : createFromJson(request, reply)),
  );

  r.get(
    '/jobs',
    {
      schema: {
        summary: "List the caller's jobs, newest first",
        operationId: 'listJobs',
        tags: ['jobs'],
        querystring: listJobsQuerySchema,
        response: { 200: jobListSchema, ...errors(400, 401, 429) },
      },
    },
    async (request) => jobs.list(request.tenant, request.query.limit, request.query.cursor),
  );

  r.get(
    '/jobs/:id',
    {
      schema: {
        summary: 'Status of a job',
        operationId: 'getJob',
        tags: ['jobs'],
        params: jobIdParamsSchema,
        response: { 200: jobViewSchema, ...errors(401, 404, 429) },
      },
    },
    async (request) => jobs.view(request.tenant, request.params.id),
  );

  r.get(
    '/jobs/:id/result',
    {
      schema: {
        summary: "A completed job's segments (the result JSON from S3)",
        operationId: 'getJobResult',
        description:
          'A queued or active job answers 409 RESULT_NOT_READY (poll its status). A failed job answers 410 with the ' +
          "job's own error code and message (e.g. INVALID_AUDIO), a cancelled one 410 JOB_CANCELLED: neither will ever have a result.",
        tags: ['jobs'],
        params: jobIdParamsSchema,
        response: { 200: resultDocumentSchema, ...errors(401, 404, 409, 410, 429, 503) },
      },
    },
    async (request, reply) => {
      const view = await jobs.view(request.tenant, request.params.id);
      if (view.status === 'failed' || view.status === 'cancelled') {
        // Not an error of this request: the job's own outcome, which no retry of the GET will change.
        const error = view.error ?? { code: view.status === 'failed' ? 'INTERNAL' : 'JOB_CANCELLED', message: '' };
        const message = `Job ${view.id} ${view.status === 'failed' ? 'failed' : 'was cancelled'}${error.message ? `: ${error.message}` : '.'}`;
        return (reply as FastifyReply).code(410).send({ error: { code: error.code, message } });
      }
      if (view.status !== 'completed' || !view.result) {
        const why = view.error ? ` (${view.error.code}: ${view.error.message})` : '';
        throw new VadError('RESULT_NOT_READY', `Job ${view.id} is ${view.status}${why}; its result is not available.`);
      }
      return (await objectStore.getJson(view.result.bucket, view.result.key)) as z.infer<typeof resultDocumentSchema>;
    },
  );

  r.post(
    '/jobs/:id/rescore',
    {
      schema: {
        summary: 'Segments of a completed job under new parameters, without running the model again',
        operationId: 'rescoreJob',
        description:
          "Re-runs only FunASR's post-processing (speech decision, window detector, state machine) over the job's stored per-frame P(silence). The segments equal those of a fresh job with the same parameters. Milliseconds, whatever the audio's length.",
        tags: ['jobs'],
        params: jobIdParamsSchema,
        body: rescoreBodySchema,
        response: { 200: rescoreResultSchema, ...errors(400, 401, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const view = await jobs.view(request.tenant, request.params.id);
      if (view.status !== 'completed' || !view.result) {
        throw new VadError('RESULT_NOT_READY', `Job ${view.id} is ${view.status}; only a completed job can be re-scored.`);
      }
      const params = resolveVadParams(request.body.params);
      if (params.model === 'silero') {
        throw new VadError('INVALID_PARAMS', 'Invalid params.model: re-scoring with silero is not available yet; submit a new job with model silero.', { field: 'model' });
      }
      const probs = decodeFrameProbs(await objectStore.getBytes(view.result.bucket, frameProbsKey(view.result.key)));
      return { jobId: view.id, channels: rescoreFrameProbs(probs, params), params };
    },
  );

  r.delete(
    '/jobs/:id',
    {
      schema: {
        summary: 'Cancel a job',
        operationId: 'cancelJob',
        description: 'A queued job is removed at once (200, status cancelled); an active one is signalled and stops shortly (202).',
        tags: ['jobs'],
        params: jobIdParamsSchema,
        response: { 200: jobViewSchema, 202: jobViewSchema, ...errors(401, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const outcome = await jobs.cancel(request.tenant, request.params.id);
      if (outcome.kind === 'cancelled') metrics.jobs.inc({ outcome: 'cancelled', cached: 'false' });
      if (outcome.kind === 'cancelled' && outcome.data?.source === 'upload') {
        await objectStore.delete(outcome.data.input.bucket, outcome.data.input.key).catch((err) => request.log.warn({ err }, 'upload delete failed'));
      }
      return reply.code(outcome.kind === 'cancelled' ? 200 : 202).send(outcome.view);
    },
  );
}
