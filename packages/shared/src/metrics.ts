/**
 * The metric vocabulary of vadfleet: every name, type, unit, label and help text, defined once. The
 * registries (`@vadfleet/platform/metrics`), the Grafana dashboards, the alert rules and docs/metrics.md
 * all use these names; a test fails when a dashboard or rule names a metric not defined here.
 *
 * Naming follows Prometheus's "Metric and label naming": one `vadfleet_` prefix, base units (seconds,
 * bytes, ratios 0..1) as suffixes, `_total` on counters. Labels take only the bounded value sets below
 * (never job ids, tenants or file names).
 */
import { ERROR_CODES, WARNING_CODES } from './errors.js';

export const JOB_OUTCOMES = ['completed', 'failed', 'cancelled'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

export const JOB_SOURCES = ['upload', 's3'] as const;
export type JobSource = (typeof JOB_SOURCES)[number];

/** Stages of one job in the worker, in order. */
export const STAGES = ['download', 'decode', 'features', 'inference', 'postprocess', 'upload'] as const;
export type Stage = (typeof STAGES)[number];

/** BullMQ job states sampled for the queue-depth gauge. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export const CACHE_RESULTS = ['hit', 'miss'] as const;
export type CacheResult = (typeof CACHE_RESULTS)[number];

export const BOOLEAN_LABEL = ['true', 'false'] as const;

/** What became of one item (one S3 object) of a batch ingestion. */
export const BATCH_ITEM_OUTCOMES = ['enqueued', 'skipped', 'completed', 'failed'] as const;
export type BatchItemOutcome = (typeof BATCH_ITEM_OUTCOMES)[number];

export const HTTP_STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type HttpStatusClass = (typeof HTTP_STATUS_CLASSES)[number];

export type MetricType = 'counter' | 'gauge' | 'histogram';
/** Which process exports a metric. */
export type MetricExporter = 'api' | 'worker';

export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  /** The Prometheus HELP line. */
  readonly help: string;
  /** Unit of the value: a base unit, `ratio` (0..1), or what is being counted. */
  readonly unit: string;
  readonly labels: readonly string[];
  /**
   * The values each label may take, when the set is known in advance. Registries create these series at
   * zero on start, so `rate()` sees the first increase and dashboards show 0 rather than "no data".
   */
  readonly labelValues?: Readonly<Record<string, readonly string[]>>;
  readonly buckets?: readonly number[];
  readonly exportedBy: readonly MetricExporter[];
}

/** Seconds to an hour: a job may wait in a backlog or run on hours of audio. */
const JOB_SECONDS_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600] as const;
/** A millisecond to five minutes: one stage of one job. */
const STAGE_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;
/** Processing seconds per audio second; FSMN-VAD on CPU runs around 0.005–0.05. */
const RTF_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2] as const;
const HTTP_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
/** Pieces packed into one model call (INFERENCE_MAX_BATCH is at most a few dozen). */
const BATCH_SIZE_BUCKETS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64] as const;

export const METRICS = {
  jobsAccepted: {
    name: 'vadfleet_jobs_accepted_total',
    type: 'counter',
    help: 'Jobs the API accepted and enqueued, by input source.',
    unit: 'jobs',
    labels: ['source'],
    labelValues: { source: JOB_SOURCES },
    exportedBy: ['api'],
  },
  jobs: {
    name: 'vadfleet_jobs_total',
    type: 'counter',
    help: 'Jobs that reached a final state: completed, failed (unrecoverable or attempts exhausted) or cancelled; cached is true when the result came from the result cache.',
    unit: 'jobs',
    labels: ['outcome', 'cached'],
    labelValues: { outcome: JOB_OUTCOMES, cached: BOOLEAN_LABEL },
    exportedBy: ['api', 'worker'],
  },
  jobLatency: {
    name: 'vadfleet_job_latency_seconds',
    type: 'histogram',
    help: 'End-to-end latency of completed jobs: from acceptance by the API to the result stored in S3.',
    unit: 'seconds',
    labels: ['cached'],
    labelValues: { cached: BOOLEAN_LABEL },
    buckets: JOB_SECONDS_BUCKETS,
    exportedBy: ['worker'],
  },
  jobQueueWait: {
    name: 'vadfleet_job_queue_wait_seconds',
    type: 'histogram',
    help: 'Time a job waited between acceptance by the API and the start of its processing attempt.',
    unit: 'seconds',
    labels: [],
    buckets: JOB_SECONDS_BUCKETS,
    exportedBy: ['worker'],
  },
  jobsStalled: {
    name: 'vadfleet_jobs_stalled_total',
    type: 'counter',
    help: 'Jobs whose lock expired while active (the worker died or blocked) and that BullMQ moved back to waiting or failed.',
    unit: 'jobs',
    labels: [],
    exportedBy: ['worker'],
  },
  stageDuration: {
    name: 'vadfleet_stage_duration_seconds',
    type: 'histogram',
    help: 'Processing time of one stage of one job attempt.',
    unit: 'seconds',
    labels: ['stage'],
    labelValues: { stage: STAGES },
    buckets: STAGE_SECONDS_BUCKETS,
    exportedBy: ['worker'],
  },
  audioProcessed: {
    name: 'vadfleet_audio_processed_seconds_total',
    type: 'counter',
    help: 'Seconds of audio run through the model (cache hits excluded); rate() of it is audio hours per hour.',
    unit: 'seconds',
    labels: [],
    exportedBy: ['worker'],
  },
  speechExported: {
    name: 'vadfleet_speech_exported_seconds_total',
    type: 'counter',
    help: 'Seconds of source audio written out by speech export (output.speech), summed over channels, padding included.',
    unit: 'seconds',
    labels: [],
    exportedBy: ['worker'],
  },
  speechRemoved: {
    name: 'vadfleet_speech_removed_seconds_total',
    type: 'counter',
    help: 'Seconds of audio that speech export left out (each channel\'s duration minus its exported speech): audio a recogniser downstream does not have to process.',
    unit: 'seconds',
    labels: [],
    exportedBy: ['worker'],
  },
  realTimeFactor: {
    name: 'vadfleet_real_time_factor_ratio',
    type: 'histogram',
    help: 'Wall time of the audio pipeline for a job (decoding to segments; S3 transfers excluded) divided by its audio duration (cache hits excluded); below 1 is faster than real time.',
    unit: 'ratio',
    labels: [],
    buckets: RTF_BUCKETS,
    exportedBy: ['worker'],
  },
  errors: {
    name: 'vadfleet_errors_total',
    type: 'counter',
    help: 'Errors by catalogue code, counted once where handled: API error responses and failed job attempts.',
    unit: 'errors',
    labels: ['code'],
    labelValues: { code: ERROR_CODES },
    exportedBy: ['api', 'worker'],
  },
  inputWarnings: {
    name: 'vadfleet_input_warnings_total',
    type: 'counter',
    help: 'Inputs analysed with a warning, by warning code (TRUNCATED_INPUT: the input ends before its header says; cache hits excluded).',
    unit: 'inputs',
    labels: ['code'],
    labelValues: { code: WARNING_CODES },
    exportedBy: ['worker'],
  },
  cacheLookups: {
    name: 'vadfleet_cache_lookups_total',
    type: 'counter',
    help: 'Result cache lookups by result.',
    unit: 'lookups',
    labels: ['result'],
    labelValues: { result: CACHE_RESULTS },
    exportedBy: ['worker'],
  },
  queueJobs: {
    name: 'vadfleet_queue_jobs',
    type: 'gauge',
    help: 'Jobs in the queue by BullMQ state, sampled on an interval by the API (one sampler for the fleet).',
    unit: 'jobs',
    labels: ['state'],
    labelValues: { state: QUEUE_STATES },
    exportedBy: ['api'],
  },
  workersAlive: {
    name: 'vadfleet_workers_alive',
    type: 'gauge',
    help: 'Workers whose heartbeat key exists in Redis, sampled with the queue depth by the API.',
    unit: 'workers',
    labels: [],
    exportedBy: ['api'],
  },
  inferenceInFlight: {
    name: 'vadfleet_inference_in_flight',
    type: 'gauge',
    help: 'Model calls running now in this worker\'s inference pool.',
    unit: 'calls',
    labels: [],
    exportedBy: ['worker'],
  },
  inferenceInFlightMax: {
    name: 'vadfleet_inference_in_flight_max',
    type: 'gauge',
    help: 'Most model calls seen running at once in this worker\'s inference pool since the process started.',
    unit: 'calls',
    labels: [],
    exportedBy: ['worker'],
  },
  inferenceThreads: {
    name: 'vadfleet_inference_threads',
    type: 'gauge',
    help: 'Inference threads in this worker\'s pool (INFERENCE_THREADS): the most model calls it can run at once.',
    unit: 'threads',
    labels: [],
    exportedBy: ['worker'],
  },
  inferenceMaxBatch: {
    name: 'vadfleet_inference_max_batch',
    type: 'gauge',
    help: 'Most pieces packed into one model call (INFERENCE_MAX_BATCH).',
    unit: 'pieces',
    labels: [],
    exportedBy: ['worker'],
  },
  inferenceBatchSize: {
    name: 'vadfleet_inference_batch_size',
    type: 'histogram',
    help: 'Pieces packed into each model call.',
    unit: 'pieces',
    labels: [],
    buckets: BATCH_SIZE_BUCKETS,
    exportedBy: ['worker'],
  },
  inferenceRuns: {
    name: 'vadfleet_inference_runs_total',
    type: 'counter',
    help: 'Model calls (ONNX session runs) made by this worker.',
    unit: 'calls',
    labels: [],
    exportedBy: ['worker'],
  },
  gpuAvailable: {
    name: 'vadfleet_gpu_available',
    type: 'gauge',
    help: '1 when nvidia-smi answered on this host at the last sample, else 0 (and no other vadfleet_gpu_ series).',
    unit: 'boolean',
    labels: [],
    exportedBy: ['worker'],
  },
  gpuMemoryUsed: {
    name: 'vadfleet_gpu_memory_used_bytes',
    type: 'gauge',
    help: 'GPU memory in use, per device, as reported by nvidia-smi.',
    unit: 'bytes',
    labels: ['gpu', 'uuid'],
    exportedBy: ['worker'],
  },
  gpuMemoryTotal: {
    name: 'vadfleet_gpu_memory_total_bytes',
    type: 'gauge',
    help: 'GPU memory installed, per device, as reported by nvidia-smi.',
    unit: 'bytes',
    labels: ['gpu', 'uuid'],
    exportedBy: ['worker'],
  },
  gpuUtilization: {
    name: 'vadfleet_gpu_utilization_ratio',
    type: 'gauge',
    help: 'Fraction of the last sample period in which a kernel ran on the GPU (absent where nvidia-smi reports N/A, e.g. MIG mode).',
    unit: 'ratio',
    labels: ['gpu', 'uuid'],
    exportedBy: ['worker'],
  },
  httpRequestDuration: {
    name: 'vadfleet_http_request_duration_seconds',
    type: 'histogram',
    help: 'API request duration by route template (e.g. /v1/jobs/:id; "unmatched" for 404s without a route), method and status class.',
    unit: 'seconds',
    labels: ['route', 'method', 'status_class'],
    buckets: HTTP_SECONDS_BUCKETS,
    exportedBy: ['api'],
  },
  batchItems: {
    name: 'vadfleet_batch_items_total',
    type: 'counter',
    help: 'Items (S3 objects) of batch ingestions by outcome: enqueued as a job, skipped (filtered out), completed or failed.',
    unit: 'items',
    labels: ['outcome'],
    labelValues: { outcome: BATCH_ITEM_OUTCOMES },
    exportedBy: ['api'],
  },
  batchesActive: {
    name: 'vadfleet_batches_active',
    type: 'gauge',
    help: 'Batch ingestions accepted and not yet finished.',
    unit: 'batches',
    labels: [],
    exportedBy: ['api'],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

/**
 * Series from prom-client's default collectors (process CPU and memory, Node heap, event-loop lag) that
 * the dashboards and rules use; both processes export them under these standard, unprefixed names.
 */
export const DEFAULT_COLLECTOR_METRICS = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_p99_seconds',
] as const;

/** Series Prometheus itself writes for every target. */
export const PROMETHEUS_METRICS = ['up'] as const;

/** Every series name a dashboard or rule may use: ours (with histogram suffixes), default collectors and `up`. */
export function knownSeriesNames(): Set<string> {
  const names = new Set<string>([...DEFAULT_COLLECTOR_METRICS, ...PROMETHEUS_METRICS]);
  for (const def of Object.values(METRICS) as MetricDefinition[]) {
    if (def.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(def.name + suffix);
    else names.add(def.name);
  }
  return names;
}

/** `200` → `2xx`: the bounded label for an HTTP status. */
export function httpStatusClass(statusCode: number): HttpStatusClass {
  const digit = Math.min(5, Math.max(1, Math.floor(statusCode / 100)));
  return `${digit}xx` as HttpStatusClass;
}
