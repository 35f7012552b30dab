/**
 * The worker process: parses its configuration once, checks Redis, loads the model once (one inference
 * pool shared by all concurrent jobs), then consumes the detection queue until SIGTERM/SIGINT.
 */
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { pino } from 'pino';
import { Vad, type VadOptions } from '@vadfleet/vad-core';
import { parseConfig, workerConfigSchema, type WorkerConfig } from '@vadfleet/shared/config';
import { toVadError } from '@vadfleet/shared/errors';
import { DETECT_QUEUE_NAME, type DetectJobData, type DetectJobResult } from '@vadfleet/shared/queue';
import { BatchRuntime } from '@vadfleet/batches/batch-runtime';
import { ObjectStore, createS3Client, s3ClientConfigOf } from '@vadfleet/platform/object-store';
import { assertNoEviction, createDetectQueue, createRedis, duplicateRedis } from '@vadfleet/platform/queue';
import { isCancellationRequested, subscribeCancellations } from '@vadfleet/platform/cancel-signal';
import { ResultCache } from '@vadfleet/platform/result-cache';
import { startHeartbeat } from '@vadfleet/platform/redis-heartbeat';
import { createWorkerMetrics } from '@vadfleet/platform/metrics';
import { serveMetrics } from '@vadfleet/platform/metrics-server';
import { GpuSampler } from '@vadfleet/platform/gpu-sampler';
import { createProcessor } from './processor.js';
import { observeDetectWorker } from './worker-events.js';

const GPU_SAMPLE_INTERVAL_MS = 15_000;

function fail(message: string): never {
  process.stderr.write(`worker: ${message}\n`);
  process.exit(1);
}

let config: WorkerConfig;
try {
  config = parseConfig(workerConfigSchema, process.env);
} catch (err) {
  fail((err as Error).message);
}

const workerId = config.WORKER_ID ?? `${hostname()}-${process.pid}`;
const log = pino({ level: config.LOG_LEVEL, base: { service: 'worker', workerId } });
process.on('uncaughtException', (err) => {
  // Crash rather than run on in an unknown state: the queue recovers this worker's jobs as stalled.
  log.fatal({ err }, 'uncaught exception');
  process.exit(1);
});

const redis = createRedis(config);
redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
try {
  await assertNoEviction(redis);
} catch (err) {
  fail((err as Error).message);
}

const metrics = createWorkerMetrics();
metrics.inferenceThreads.set(config.INFERENCE_THREADS);
metrics.inferenceMaxBatch.set(config.INFERENCE_MAX_BATCH);
// Bound before the model loads and jobs are taken: a port in use stops the worker before it does any work.
let metricsServer: Awaited<ReturnType<typeof serveMetrics>>;
try {
  metricsServer = await serveMetrics(metrics.registry, { port: config.METRICS_PORT, host: config.METRICS_HOST });
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
  redis.disconnect();
  fail(`metrics port ${config.METRICS_PORT} is taken: set METRICS_PORT to a free port (0 picks one).`);
}

let vad: Vad;
try {
  const vadOptions: VadOptions = {
    modelDir: config.VAD_MODEL_DIR,
    quantized: config.VAD_MODEL_QUANTIZED,
    provider: config.VAD_PROVIDER,
    threads: config.INFERENCE_THREADS,
    maxBatch: config.INFERENCE_MAX_BATCH,
    onWarning: (message) => log.warn(message),
    onRun: (run) => {
      metrics.inferenceRuns.inc();
      metrics.inferenceBatchSize.observe(run.batchSize);
    },
    // Called synchronously as model calls start and end: the gauge (and its max) sees every peak.
    onInFlightRunsChange: (calls) => metrics.setInferenceInFlight(calls),
  };
  vad = await Vad.create(vadOptions);
} catch (err) {
  fail(toVadError(err).message);
}

const store = new ObjectStore(
  createS3Client(s3ClientConfigOf(config)),
);
const cache = new ResultCache(redis, { prefix: config.QUEUE_PREFIX, ttlSeconds: config.CACHE_TTL_SECONDS, scope: config.CACHE_SCOPE });

// Batches: a feeder hands batch items to the detection queue fairly; the expand and webhook queues are
// small side queues consumed here too (docs/batches.md).
const detectQueue = createDetectQueue(redis, { prefix: config.QUEUE_PREFIX });
const batches = new BatchRuntime({ redis, detectQueue, objectStore: store, log, config });

const processor = createProcessor({
  vad,
  store,
  cache,
  metrics,
  isCancelled: (jobId) => isCancellationRequested(redis, config.QUEUE_PREFIX, jobId),
  limits: {
    maxChannels: config.MAX_CHANNELS,
    maxDurationMs: config.MAX_AUDIO_DURATION_MS,
    maxInputBytes: config.MAX_INPUT_BYTES,
  },
});
const bookkeeping = batches.withItemBookkeeping(processor);

const worker = new Worker<DetectJobData, DetectJobResult>(DETECT_QUEUE_NAME, bookkeeping.processor, {
  connection: redis,
  prefix: config.QUEUE_PREFIX,
  concurrency: config.WORKER_CONCURRENCY,
  lockDuration: config.LOCK_DURATION_MS,
  stalledInterval: config.STALLED_INTERVAL_MS,
  maxStalledCount: config.MAX_STALLED_COUNT,
  autorun: false,
});

observeDetectWorker(worker, {
  metrics,
  log,
  // Model throughput for batch ETAs (cache hits would overstate it).
  onCompleted: (result) => {
    if (!result.cached) batches.store.recordFleetAudio(result.durationMs).catch((err) => log.warn({ err: err.message }, 'fleet throughput update failed'));
  },
  onFailed: (job, err) => void bookkeeping.failed(job, err).catch((e: Error) => log.warn({ err: e.message }, 'batch item record failed')),
});

const subscriber = duplicateRedis(redis);
subscriber.on('error', (err) => log.warn({ err: err.message }, 'redis subscriber connection error'));
const unsubscribe = await subscribeCancellations(subscriber, config.QUEUE_PREFIX, (jobId) => {
  if (worker.cancelJob(jobId, 'cancelled')) log.info({ jobId }, 'job cancellation requested');
});

void worker.run().catch((err) => {
  log.fatal({ err }, 'worker stopped');
  process.exit(1);
});
await worker.waitUntilReady();
batches.start(log);
const heartbeat = await startHeartbeat(
  redis,
  config.QUEUE_PREFIX,
  workerId,
  { concurrency: config.WORKER_CONCURRENCY, threads: config.INFERENCE_THREADS, model: vad.model.sha256, pid: process.pid },
  { onError: (err) => log.warn({ err: (err as Error).message }, 'heartbeat failed') },
);
const gpuSampler = new GpuSampler(metrics, { intervalMs: GPU_SAMPLE_INTERVAL_MS, onError: (err) => log.warn({ err: err.message }, 'nvidia-smi failed') });
if (config.VAD_PROVIDER !== 'cpu') gpuSampler.start();
// Tests and scripts wait for this line ("listening at <url>").
log.info({ model: vad.model, threads: config.INFERENCE_THREADS, concurrency: config.WORKER_CONCURRENCY }, `metrics listening at ${metricsServer.url}`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down: finishing active jobs');
  await heartbeat.stop().catch(() => undefined);
  await unsubscribe().catch(() => undefined);
  // worker.close() waits for active jobs with no limit of its own. Past the timeout we exit anyway: the
  // unfinished jobs' locks expire and another worker picks them up as stalled.
  await batches.stop();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    worker.close().then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), config.SHUTDOWN_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (timedOut) log.warn('shutdown timeout: exiting with jobs still active; they will be retried');
  gpuSampler.stop();
  await Promise.allSettled([vad.close(), metricsServer.close(), detectQueue.close(), batches.close()]);
  subscriber.disconnect();
  redis.disconnect();
  log.info('stopped');
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
