import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RedisClient as Redis } from '@vadfleet/platform/queue';
import type { ApiConfig } from '@vadfleet/shared/config';
import { VadError } from '@vadfleet/shared/errors';
import {
  batchAcceptedSchema,
  batchDryRunSchema,
  batchListSchema,
  batchResultsQuerySchema,
  batchViewSchema,
  createBatchBodySchema,
  idempotencyHeadersSchema,
  jobIdParamsSchema,
  listBatchesQuerySchema,
} from '@vadfleet/shared/schemas';
import { resolveVadParams } from '@vadfleet/shared/vad-params';
import type { ApiMetrics } from '@vadfleet/platform/metrics';
import type { DetectQueue } from '@vadfleet/platform/queue';
import type { IdempotencyKeys } from '@vadfleet/platform/idempotency';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import { assertWebhookAllowed } from '@vadfleet/platform/webhooks/url-guard';
import { BatchCommands } from '@vadfleet/batches/batch-commands';
import { estimateBatch } from '@vadfleet/batches/batch-dry-run';
import { startBatchMetricsSampler } from '@vadfleet/batches/batch-metrics-sampler';
import { batchResultsCsv, batchResultsNdjson } from '@vadfleet/batches/batch-results';
import { bucketGuard } from '../bucket-guard.js';
import { errorResponses as errors } from './error-responses.js';

export interface BatchRouteDeps {
  config: ApiConfig;
  redis: Redis;
  queue: DetectQueue;
  idempotency: IdempotencyKeys;
  objectStore: ObjectStore;
  metrics: ApiMetrics;
}

const DEFAULT_ROLES = { 0: 'agent', 1: 'customer' } as const;

/** A webhook can be signed (a secret is configured for the tenant) and its URL passes the guard. */
async function assertWebhookDeliverable(config: ApiConfig, tenant: string, url: string): Promise<void> {
  if (!config.WEBHOOK_SECRETS[tenant] && !config.WEBHOOK_SECRET) {
    throw new VadError('SERVICE_NOT_CONFIGURED', 'This service has no webhook secret configured (WEBHOOK_SECRET), so it cannot sign webhooks.');
  }
  await assertWebhookAllowed(url, { allowlist: config.WEBHOOK_ALLOWLIST, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE });
}

export async function batchRoutes(app: FastifyInstance, deps: BatchRouteDeps): Promise<void> {
  const { config, objectStore } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const commands = new BatchCommands({ redis: deps.redis, prefix: config.QUEUE_PREFIX, detectQueue: deps.queue, idempotency: deps.idempotency });
  const { store } = commands;
  const buckets = bucketGuard(config);

  const stopSampler = startBatchMetricsSampler(store, deps.metrics, (err) => app.log.warn({ err }, 'batch metrics sample failed'));
  app.addHook('onClose', async () => {
    stopSampler();
    await commands.close();
  });

  r.post(
    '/batches',
    {
      schema: {
        summary: 'Start a batch over an S3 prefix or a list of keys',
        operationId: 'createBatch',
        description:
          'Lists the input in the background (one page at a time) and processes every object as a job; ' +
          'with "dryRun": true only lists and estimates. See docs/batches.md.',
        tags: ['batches'],
        headers: idempotencyHeadersSchema,
        body: createBatchBodySchema,
        response: { 200: batchDryRunSchema, 202: batchAcceptedSchema, ...errors(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const { input, dryRun, webhook, ...body } = request.body;
      const source = input.s3;
      for (const keyOrPrefix of source.keys ?? [source.prefix ?? '']) buckets.input(request.tenant, source.bucket, keyOrPrefix);
      if (dryRun) return reply.code(200).send(await estimateBatch(store, objectStore, source));
      const speech = body.output?.speech;
      const output = { bucket: body.output?.s3?.bucket ?? config.RESULTS_BUCKET, prefix: body.output?.s3?.prefix, ...(speech ? { speech } : {}) };
      buckets.output(output.bucket);
      if (webhook) await assertWebhookDeliverable(config, request.tenant, webhook.url);
      const params = resolveVadParams(body.params);
      const key = request.headers['idempotency-key'];
      const batch = await commands.submit(request.tenant, typeof key === 'string' ? key : undefined, { source, params, roles: body.roles ?? DEFAULT_ROLES, output, webhookUrl: webhook?.url });
      return reply.code(202).header('location', batch.links.self).send(batch);
    },
  );

  r.get(
    '/batches',
    {
      schema: {
        operationId: 'listBatches',
        summary: "The caller's batches, newest first, with their progress; cursor paging and an optional status filter",
        tags: ['batches'],
        querystring: listBatchesQuerySchema,
        response: { 200: batchListSchema, ...errors(400, 401, 429) },
      },
    },
    async (request) => commands.list(request.tenant, request.query.limit, { cursor: request.query.cursor, status: request.query.status }),
  );

  r.get(
    '/batches/:id',
    {
      schema: {
        summary: 'Progress of a batch: counts by state, audio processed, throughput, ETA, webhook deliveries',
        operationId: 'getBatch',
        tags: ['batches'],
        params: jobIdParamsSchema,
        response: { 200: batchViewSchema, ...errors(401, 404, 429) },
      },
    },
    async (request) => commands.view(request.tenant, request.params.id),
  );

  // Untyped reply: the body is a stream, which the typed (schema-derived) reply does not accept.
  app.get<{ Params: { id: string }; Querystring: { format: 'ndjson' | 'csv' } }>(
    '/batches/:id/results',
    {
      schema: {
        summary: "Every call's outcome, streamed: NDJSON (default, with each result JSON) or CSV (?format=csv, one row per call with the QA columns)",
        operationId: 'getBatchResults',
        tags: ['batches'],
        params: jobIdParamsSchema,
        querystring: batchResultsQuerySchema,
        // 200 is a stream (application/x-ndjson or text/csv), so it has no JSON schema to validate
        // with; the document describes it below.
        response: errors(401, 404, 429),
      },
      config: {
        swaggerTransform: (doc) => {
          const out = jsonSchemaTransform(doc) as { schema: Record<string, unknown>; url: string };
          out.schema.response = {
            200: {
              description: 'One NDJSON line per call in listing order, or one CSV row per call (?format=csv).',
              content: { 'application/x-ndjson': { schema: { type: 'string' } }, 'text/csv': { schema: { type: 'string' } } },
            },
            ...(out.schema.response as Record<string, unknown>),
          };
          return out;
        },
      },
    },
    async (request, reply) => {
      const batch = await store.getOwned(request.tenant, request.params.id);
      const csv = request.query.format === 'csv';
      const lines = csv ? batchResultsCsv(store, objectStore, batch) : batchResultsNdjson(store, objectStore, batch);
      return reply
        .type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .header('content-disposition', csv ? `attachment; filename="batch-${batch.id}.csv"` : 'inline')
        .send(Readable.from(lines));
    },
  );

  r.delete(
    '/batches/:id',
    {
      schema: {
        summary: 'Cancel a batch: items not yet started are dropped; running ones finish',
        operationId: 'cancelBatch',
        tags: ['batches'],
        params: jobIdParamsSchema,
        response: { 200: batchViewSchema, ...errors(401, 404, 409, 429) },
      },
    },
    async (request) => commands.cancel(request.tenant, request.params.id),
  );

  r.post(
    '/batches/:id/webhook/redeliver',
    {
      schema: {
        summary: "Send a finished batch's webhook again (after its deliveries finally failed)",
        operationId: 'redeliverBatchWebhook',
        tags: ['batches'],
        params: jobIdParamsSchema,
        response: { 202: batchViewSchema, ...errors(401, 404, 409, 429) },
      },
    },
    async (request, reply) => reply.code(202).send(await commands.redeliverWebhook(request.tenant, request.params.id)),
  );
}
