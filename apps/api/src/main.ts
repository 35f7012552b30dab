import { readFileSync } from 'node:fs';
import pino from 'pino';
import { apiConfigSchema, parseConfig, type ApiConfig } from '@vadfleet/shared/config';
import { createApiMetrics } from '@vadfleet/platform/metrics';
import { QueueDepthSampler } from '@vadfleet/platform/queue-depth-sampler';
import { listLiveWorkers } from '@vadfleet/platform/redis-heartbeat';
import { createS3Client, s3ClientConfigOf, ObjectStore } from '@vadfleet/platform/object-store';
import { assertNoEviction, createDetectQueue, createRedis } from '@vadfleet/platform/queue';
import { buildApp } from './app.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

let config: ApiConfig;
try {
  config = parseConfig(apiConfigSchema, process.env);
} catch (err) {
  fail((err as Error).message);
}

const logger = pino({
  level: config.LOG_LEVEL,
  base: { service: 'api' },
  redact: ['req.headers.authorization', 'req.headers.cookie'],
});

// An HTTP process should fail a request rather than wait forever for Redis (the worker does the opposite).
const redis = createRedis(config, { maxRetriesPerRequest: 2 });
redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
try {
  await assertNoEviction(redis);
} catch (err) {
  redis.disconnect();
  fail((err as Error).message);
}

const s3 = createS3Client(s3ClientConfigOf(config));
const objectStore = new ObjectStore(s3);
try {
  await objectStore.ensureBucket(config.UPLOAD_BUCKET);
  await objectStore.ensureBucket(config.RESULTS_BUCKET);
} catch (err) {
  redis.disconnect();
  fail(`Cannot prepare the S3 buckets: ${(err as Error).message}`);
}

const queue = createDetectQueue(redis, { prefix: config.QUEUE_PREFIX });
const metrics = createApiMetrics();
const app = await buildApp({ config, redis, queue, objectStore, metrics, logger, version });
const sampler = new QueueDepthSampler(queue, metrics, {
  intervalMs: config.QUEUE_SAMPLE_INTERVAL_MS,
  countWorkers: async () => (await listLiveWorkers(redis, config.QUEUE_PREFIX)).length,
  onError: (err) => logger.warn({ err }, 'queue depth sample failed'),
});
sampler.start();

let url: string;
try {
  url = await app.listen({ port: config.PORT, host: config.HOST });
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
  redis.disconnect();
  fail(`port ${config.PORT} is taken: set PORT to a free port (0 picks one).`);
}
const address = app.server.address();
const listening = typeof address === 'object' && address ? `http://${config.HOST}:${address.port}` : url;
logger.info({ url: listening }, `api listening at ${listening}`);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'api shutting down');
  try {
    sampler.stop();
    // Stops accepting and lets in-flight requests finish, but a client that never finishes its request
    // (a stalled upload) must not hold a rolling deploy: after the grace period its socket is closed.
    const force = setTimeout(() => {
      logger.warn({ graceMs: config.SHUTDOWN_GRACE_MS }, 'closing connections still open after the shutdown grace period');
      app.server.closeAllConnections();
    }, config.SHUTDOWN_GRACE_MS);
    await app.close();
    clearTimeout(force);
    await queue.close();
    // quit() waits for Redis to answer; a Redis that is down must not hold the process forever.
    await Promise.race([redis.quit(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    redis.disconnect();
    s3.destroy();
    logger.info('api stopped');
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'api shutdown failed');
    process.exit(1);
  }
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
