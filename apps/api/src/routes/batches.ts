import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { ApiConfig } from '@vadfleet/shared/config';
import { VadError } from '@vadfleet/shared/errors';
import { BATCH_ITEM_OUTCOMES } from '@vadfleet/shared/metrics';
import { BATCH_EXPAND_JOB_NAME, BATCH_EXPAND_QUEUE_NAME, WEBHOOK_JOB_NAME, WEBHOOK_QUEUE_NAME, newJobId, parseBatchItemId } from '@vadfleet/shared/queue';
import {
  batchAcceptedSchema,
  batchDryRunSchema,
  batchResultsQuerySchema,
  batchViewSchema,
  createBatchBodySchema,
  errorBodySchema,
  idempotencyHeadersSchema,
  jobIdParamsSchema,
  type BatchView,
} from '@vadfleet/shared/schemas';
import { canonicalParams, resolveVadParams } from '@vadfleet/shared/vad-params';
import { BatchStore, type BatchState } from '@vadfleet/platform/batch-store';
import { listBatchPage, type BatchSource } from '@vadfleet/platform/batch-listing';
import type { ApiMetrics } from '@vadfleet/platform/metrics';
import type { DetectQueue } from '@vadfleet/platform/queue';
import type { IdempotencyKeys } from '@vadfleet/platform/idempotency';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import { assertWebhookAllowed } from '@vadfleet/platform/webhooks/url-guard';
import { batchResultsCsv, batchResultsNdjson } from '../batch-results.js';
import { bucketGuard } from '../bucket-guard.js';

export interface BatchRouteDeps {
  config: ApiConfig;
  redis: Redis;
  queue: DetectQueue;
  idempotency: IdempotencyKeys;
  objectStore: ObjectStore;
  metrics: ApiMetrics;
}

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, errorBodySchema]));
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : undefined);

/** 8 kHz G.711 stereo: the call-centre format, assumed when the first object has no readable WAV header. */
const DEFAULT_BYTES_PER_SECOND = 16_000;
const METRICS_SAMPLE_INTERVAL_MS = 5_000;

export async function batchRoutes(app: FastifyInstance, deps: BatchRouteDeps): Promise<void> {
  const { config, objectStore } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const store = new BatchStore(deps.redis, config.QUEUE_PREFIX);
  const expandQueue = new Queue(BATCH_EXPAND_QUEUE_NAME, { connection: deps.redis, prefix: config.QUEUE_PREFIX });
  const webhookQueue = new Queue(WEBHOOK_QUEUE_NAME, { connection: deps.redis, prefix: config.QUEUE_PREFIX });
  const buckets = bucketGuard(config);

  const sampler = startMetricsSampler(store, deps.metrics, (err) => app.log.warn({ err }, 'batch metrics sample failed'));
  app.addHook('onClose', async () => {
    clearInterval(sampler);
    await Promise.allSettled([expandQueue.close(), webhookQueue.close()]);
  });

  r.post(
    '/batches',
    {
      schema: {
        summary: 'Start a batch over an S3 prefix or a list of keys',
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
      const body = request.body;
      const source: BatchSource = body.input.s3;
      for (const keyOrPrefix of source.keys ?? [source.prefix ?? '']) buckets.input(request.tenant, source.bucket, keyOrPrefix);
      if (body.dryRun) return reply.code(200).send(await dryRun(store, objectStore, source));

      const output = { bucket: body.output?.s3.bucket ?? config.RESULTS_BUCKET, prefix: body.output?.s3.prefix };
      buckets.output(output.bucket);
      if (body.webhook) {
        if (!config.WEBHOOK_SECRETS[request.tenant] && !config.WEBHOOK_SECRET) {
          throw new VadError('WEBHOOK_NOT_ALLOWED', 'This service has no webhook secret configured (WEBHOOK_SECRET), so it cannot sign webhooks.');
        }
        await assertWebhookAllowed(body.webhook.url, { allowlist: config.WEBHOOK_ALLOWLIST, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE });
      }
      const params = resolveVadParams(body.params);
      const roles = body.roles ?? { 0: 'agent', 1: 'customer' };
      const fingerprint = sha256(JSON.stringify([source, canonicalParams(params), roles, output, body.webhook?.url ?? null]));
      const key = request.headers['idempotency-key'];
      const { id: batchId, replayed } = await deps.idempotency.run(
        { tenant: request.tenant, kind: 'batch', key: typeof key === 'string' ? key : undefined, fingerprint },
        newJobId(),
        async (id) => {
          await store.create(id, request.tenant, { source, params, roles, output: { bucket: output.bucket, prefix: output.prefix ?? `batches/${id}` }, webhookUrl: body.webhook?.url });
          // One expand job per batch (its id is the batch's): it lists page by page and resumes after a crash.
          await expandQueue.add(BATCH_EXPAND_JOB_NAME, { batchId: id }, { jobId: id, attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 7 * 86_400 } });
        },
      );
      const status = replayed ? ((await store.status(batchId)) ?? 'expanding') : 'expanding';
      return reply.code(202).header('location', `/v1/batches/${batchId}`).send(accepted(batchId, status));
    },
  );

  const accepted = (id: string, status: BatchState['status']) => ({ id, status, links: { self: `/v1/batches/${id}`, results: `/v1/batches/${id}/results` } });

  r.get(
    '/batches/:id',
    {
      schema: {
        summary: 'Progress of a batch: counts by state, audio processed, throughput, ETA, webhook deliveries',
        tags: ['batches'],
        params: jobIdParamsSchema,
        response: { 200: batchViewSchema, ...errors(401, 404, 429) },
      },
    },
    async (request) => view(store, await store.getOwned(request.tenant, request.params.id)),
  );

  // Untyped reply: the body is a stream, which the typed (schema-derived) reply does not accept.
  app.get<{ Params: { id: string }; Querystring: { format: 'ndjson' | 'csv' } }>(
    '/batches/:id/results',
    {
      schema: {
        summary: "Every call's outcome, streamed: NDJSON (default, with each result JSON) or CSV (?format=csv, one row per call with the QA columns)",
        tags: ['batches'],
        params: jobIdParamsSchema,
        querystring: batchResultsQuerySchema,
        // 200 is a stream (application/x-ndjson or text/csv), so it has no JSON schema.
        response: errors(401, 404, 429),
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
        tags: ['batches'],
        params: jobIdParamsSchema,
        response: { 200: batchViewSchema, ...errors(401, 404, 409, 429) },
      },
    },
    async (request) => {
      const batch = await store.getOwned(request.tenant, request.params.id);
      if (!(await store.stop(batch.id, 'cancelled'))) throw new VadError('CONFLICT', `Batch ${batch.id} is already ${batch.status}.`);
      // Items already handed to the queue but not started are removed; a locked (running) one refuses.
      for (const itemId of await store.inFlight(batch.tenant)) {
        if (parseBatchItemId(itemId).batchId !== batch.id) continue;
        const job = await deps.queue.getJob(itemId);
        const removed = job ? await job.remove().then(() => true, () => false) : false;
        if (removed) await store.finishItem(batch.tenant, itemId, { s: 'cancelled', error: { code: 'JOB_CANCELLED', message: 'The batch was cancelled before this call started.' } });
      }
      return view(store, await store.getOwned(request.tenant, batch.id));
    },
  );

  r.post(
    '/batches/:id/webhook/redeliver',
    {
      schema: {
        summary: "Send a finished batch's webhook again (after its deliveries finally failed)",
        tags: ['batches'],
        params: jobIdParamsSchema,
        response: { 202: batchViewSchema, ...errors(401, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const batch = await store.getOwned(request.tenant, request.params.id);
      if (!batch.spec.webhookUrl) throw new VadError('CONFLICT', `Batch ${batch.id} has no webhook.`);
      if (batch.status !== 'completed') throw new VadError('CONFLICT', `Batch ${batch.id} is ${batch.status}; its webhook is sent when it completes.`);
      if (batch.webhookDelivered) throw new VadError('CONFLICT', `The webhook of batch ${batch.id} was delivered already.`);
      await webhookQueue.add(WEBHOOK_JOB_NAME, { batchId: batch.id }, { jobId: `${batch.id}-redeliver-${Date.now()}`, attempts: 1, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 7 * 86_400 } });
      return reply.code(202).send(await view(store, batch));
    },
  );
}

async function view(store: BatchStore, b: BatchState): Promise<BatchView> {
  const done = b.completed + b.failed + b.cancelled;
  const pending = Math.max(0, b.total - done - b.inFlight);
  const finished = store.isFinished(b.status);
  const elapsedMs = b.startedAt ? (b.finishedAt ?? Date.now()) - b.startedAt : 0;
  const rate = elapsedMs > 0 && b.audioMs > 0 ? b.audioMs / elapsedMs : null;
  const processed = b.completed + b.failed;
  let eta: number | null = finished ? 0 : null;
  if (!finished && b.completed > 0) {
    const throughput = rate ?? (await store.fleetThroughput());
    if (throughput) eta = Math.round(((b.total - done) * (b.audioMs / b.completed)) / throughput / 1000);
  }
  const out: BatchView = {
    id: b.id,
    status: b.status,
    createdAt: iso(b.createdAt)!,
    startedAt: iso(b.startedAt),
    finishedAt: iso(b.finishedAt),
    listingComplete: b.listed,
    counts: { total: b.total, pending, inFlight: b.inFlight, completed: b.completed, failed: b.failed, cancelled: b.cancelled },
    percent: b.total ? Math.round((done / b.total) * 1000) / 10 : finished ? 100 : 0,
    audioMsProcessed: b.audioMs,
    audioSecondsPerSecond: processed > 0 ? rate : null,
    etaSeconds: eta,
    error: b.error,
  };
  if (b.spec.webhookUrl) out.webhook = { url: b.spec.webhookUrl, attempts: await store.webhookAttempts(b.id), delivered: b.webhookDelivered };
  return out;
}

/**
 * Lists the whole input (page by page, keeping only sums) and estimates its audio: bytes ÷ the byte rate
 * in the first object's WAV header (8 kHz μ-law stereo = 16 000 B/s, PCM16 16 kHz mono = 32 000 B/s),
 * or 16 000 B/s when it has none. The ETA divides by the fleet's measured throughput.
 */
async function dryRun(store: BatchStore, objectStore: ObjectStore, source: BatchSource) {
  let objects = 0;
  let totalBytes = 0;
  let firstKey: string | undefined;
  let cursor: string | null = null;
  let sizesKnown = true;
  do {
    const page = await listBatchPage(objectStore, source, cursor);
    for (const o of page.objects) {
      firstKey ??= o.key;
      objects++;
      if (o.size === undefined) sizesKnown = false;
      totalBytes += o.size ?? 0;
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  if (!sizesKnown) {
    // An explicit key list has no sizes: HEAD each (bounded by MAX_BATCH_KEYS).
    totalBytes = 0;
    for (let from = 0; source.keys && from < source.keys.length; from += 32) {
      const heads = await Promise.all(source.keys.slice(from, from + 32).map((k) => objectStore.head(source.bucket, k)));
      for (const h of heads) totalBytes += h?.size ?? 0;
    }
  }
  const probed = firstKey ? await wavByteRate(objectStore, source.bucket, firstKey) : null;
  const bytesPerSecond = probed ?? DEFAULT_BYTES_PER_SECOND;
  const audioSeconds = totalBytes / bytesPerSecond;
  const fleet = await store.fleetThroughput();
  return {
    dryRun: true as const,
    objects,
    totalBytes,
    bytesPerSecond,
    estimateBasis: probed
      ? `byte rate of the WAV header of ${firstKey}, applied to every object`
      : 'no WAV header read: assumed 16 000 B/s (8 kHz G.711 stereo)',
    estimatedAudioHours: Math.round((audioSeconds / 3600) * 1000) / 1000,
    fleetAudioSecondsPerSecond: fleet,
    etaSeconds: fleet ? Math.round(audioSeconds / fleet) : null,
  };
}

/** The byte rate field of a RIFF/RF64 WAV's fmt chunk, from its first 4 KiB; null if absent. */
async function wavByteRate(objectStore: ObjectStore, bucket: string, key: string): Promise<number | null> {
  const head = await objectStore.getRange(bucket, key, 0, 4095).catch(() => null);
  if (!head || head.length < 12 || !['RIFF', 'RF64'].includes(head.toString('ascii', 0, 4)) || head.toString('ascii', 8, 12) !== 'WAVE') return null;
  for (let at = 12; at + 8 <= head.length; ) {
    const id = head.toString('ascii', at, at + 4);
    const size = head.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 20 <= head.length) return head.readUInt32LE(at + 16) || null;
    at += 8 + size + (size & 1);
  }
  return null;
}

/** Mirrors the fleet-wide batch counters kept in Redis into this API's metrics. */
function startMetricsSampler(store: BatchStore, metrics: ApiMetrics, onError: (err: unknown) => void): NodeJS.Timeout {
  const seen: Record<string, number> = {};
  const sample = async () => {
    const snapshot = await store.metricsSnapshot();
    metrics.batchesActive.set(snapshot.active);
    for (const outcome of BATCH_ITEM_OUTCOMES) {
      const now = snapshot.items[outcome] ?? 0;
      // The counter follows the fleet-wide Redis total (every API instance exports the same value).
      if (now > (seen[outcome] ?? 0)) metrics.batchItems.inc({ outcome }, now - (seen[outcome] ?? 0));
      seen[outcome] = now;
    }
  };
  const timer = setInterval(() => void sample().catch(onError), METRICS_SAMPLE_INTERVAL_MS);
  timer.unref();
  return timer;
}
