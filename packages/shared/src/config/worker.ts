import { z } from 'zod';
import { checkRedisTopology, commonConfigShape } from './common.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Variables of the worker process (plus the common ones). Defaults survive a rolling restart. */
export const workerConfigSchema = z.object({
  ...commonConfigShape,
  WORKER_ID: z.string().regex(/^[^:\s]{1,128}$/, 'expected no ":" or spaces').optional().describe('Name of this worker in heartbeats and logs; default <hostname>-<pid>.'),
  WORKER_CONCURRENCY: int(1, 256).default(4).describe('Jobs processed at once by this worker (downloads, hashing and decoding overlap; inference is bounded by INFERENCE_THREADS).'),
  INFERENCE_THREADS: int(1, 64).default(2).describe('Inference threads (one ONNX session each), shared by all jobs of this worker; at most the CPU cores.'),
  INFERENCE_MAX_BATCH: int(1, 64).default(1).describe('Pieces of different jobs packed into one model call (1 disables batching).'),
  VAD_MODEL_DIR: z.string().min(1).default('models/fsmn-vad').describe('Directory with model.onnx, am.mvn and config.yaml (`npm run model:fetch` fills models/fsmn-vad).'),
  VAD_MODEL_QUANTIZED: z.stringbool().default(false).describe('Use model_quant.onnx instead of model.onnx.'),
  VAD_PROVIDER: z.enum(['cpu', 'cuda', 'auto']).default('cpu').describe('onnxruntime execution provider (auto: CUDA when it loads, else CPU).'),
  MAX_AUDIO_DURATION_MS: int(1000, 7 * 24 * 3_600_000).default(4 * 3_600_000).describe('Longer audio fails with AUDIO_TOO_LONG.'),
  MAX_CHANNELS: int(1, 64).default(8).describe('Audio with more channels fails with TOO_MANY_CHANNELS.'),
  MAX_INPUT_BYTES: int(1, 64 * 1024 ** 3).default(4 * 1024 ** 3).describe('Larger input objects fail with PAYLOAD_TOO_LARGE before they are read.'),
  CACHE_TTL_SECONDS: int(0, 365 * 86_400).default(7 * 86_400).describe('How long a result is reused for the same audio, model and parameters (0 disables the cache).'),
  CACHE_SCOPE: z.enum(['tenant', 'global']).default('tenant').describe('tenant: a cached result serves only the tenant that produced it; global: any tenant.'),
  LOCK_DURATION_MS: int(1000, 3_600_000).default(60_000).describe('BullMQ job lock; renewed every half of it while the job runs.'),
  STALLED_INTERVAL_MS: int(100, 3_600_000).default(30_000).describe('How often jobs whose lock expired (crashed worker) are moved back to waiting.'),
  MAX_STALLED_COUNT: int(0, 100).default(2).describe('Stalls after which a job fails instead of being retried.'),
  SHUTDOWN_TIMEOUT_MS: int(0, 3_600_000).default(30_000).describe('On SIGTERM, how long active jobs may run before the worker exits anyway (their locks expire and another worker retries them).'),
  BATCH_MAX_IN_FLIGHT_PER_TENANT: int(1, 10_000).default(8).describe('Batch items of one tenant queued or running at once across the fleet; the feeder shares the fleet round-robin between tenants.'),
  BATCH_FEED_INTERVAL_MS: int(20, 60_000).default(250).describe('How often the batch feeder tops up the detection queue (it also runs whenever a batch item ends).'),
  WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(10_000).describe('Deadline of one webhook delivery attempt.'),
  WEBHOOK_ATTEMPTS: int(1, 20).default(6).describe('Webhook delivery attempts (exponential backoff from 2 s) before it is marked failed.'),
  METRICS_PORT: int(0, 65_535).default(9091).describe('Port of the worker\'s /metrics and /healthz endpoint (0 picks a free port).'),
  METRICS_HOST: z.string().min(1).default('127.0.0.1').describe('Interface of the metrics endpoint (0.0.0.0 in containers).'),
}).superRefine(checkRedisTopology);
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
