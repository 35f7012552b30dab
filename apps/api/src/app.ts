import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { RedisClient as Redis } from '@vadfleet/platform/queue';
import type { ApiConfig } from '@vadfleet/shared/config';
import type { ApiMetrics } from '@vadfleet/platform/metrics';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import type { DetectQueue } from '@vadfleet/platform/queue';
import { IdempotencyKeys } from '@vadfleet/platform/idempotency';
import { JobStore } from '@vadfleet/jobs/job-store';
import { registerAuth } from './plugins/auth.js';
import { registerConsole } from './plugins/console.js';
import { registerErrorHandling } from './plugins/errors.js';
import { registerMetrics } from './plugins/metrics.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerUnreadBodyClose } from './plugins/unread-body.js';
import { batchRoutes } from './routes/batches.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';

export interface AppDeps {
  config: ApiConfig;
  redis: Redis;
  queue: DetectQueue;
  objectStore: ObjectStore;
  metrics: ApiMetrics;
  /** A pino logger; none in tests. */
  logger?: FastifyBaseLogger;
  version?: string;
}

/**
 * Builds the API from injected clients, without opening a socket (tests call `app.inject`). The order
 * is the architecture: error shape and metrics for everything, docs, public health routes, then the
 * authenticated, rate-limited /v1 scope.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // The id of every log line of a request; honoured from a proxy's X-Request-Id when present.
    requestIdHeader: 'x-request-id',
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, deps.metrics);
  registerMetrics(app, deps.metrics);
  registerUnreadBodyClose(app);
  await registerOpenApi(app, deps.version ?? '0.1.0');

  await app.register(healthRoutes, {
    redis: deps.redis,
    objectStore: deps.objectStore,
    queuePrefix: config.QUEUE_PREFIX,
    uploadBucket: config.UPLOAD_BUCKET,
  });

  await registerConsole(app);

  const jobs = new JobStore(deps.redis, deps.queue, config.QUEUE_PREFIX);
  const idempotency = new IdempotencyKeys(deps.redis, config.QUEUE_PREFIX);
  await app.register(
    async (v1) => {
      registerAuth(v1, config.API_KEYS);
      await v1.register(multipart, { throwFileSizeLimit: false });
      await v1.register(rateLimit, {
        max: config.RATE_LIMIT_PER_MINUTE,
        timeWindow: 60_000,
        // After auth (onRequest), before the body is read: per API key, shared by all API instances.
        hook: 'preParsing',
        redis: deps.redis,
        nameSpace: `${config.QUEUE_PREFIX}:ratelimit:`,
        keyGenerator: (request) => request.apiKeyId,
        errorResponseBuilder: (_request, context) => ({
          statusCode: 429,
          code: 'RATE_LIMITED',
          message: `Rate limit of ${context.max} requests per minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s.`,
        }),
      });
      await v1.register(jobRoutes, { config, jobs, idempotency, objectStore: deps.objectStore, metrics: deps.metrics });
      await v1.register(batchRoutes, { config, redis: deps.redis, queue: deps.queue, idempotency, objectStore: deps.objectStore, metrics: deps.metrics });
    },
    { prefix: '/v1' },
  );
  return app;
}
