import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RedisClient as Redis } from '@vadfleet/platform/queue';
import { healthSchema, readinessSchema } from '@vadfleet/shared/schemas';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import { listLiveWorkers } from '@vadfleet/platform/redis-heartbeat';

export interface HealthDeps {
  redis: Redis;
  objectStore: ObjectStore;
  queuePrefix: string;
  uploadBucket: string;
}

/**
 * Runs a check with a deadline; resolves to "ok" or why it failed. A thrown error is logged and shown only
 * as "unavailable": its text can name hosts, ports and buckets, and /readyz is unauthenticated.
 */
async function check(name: string, log: FastifyBaseLogger, run: () => Promise<string>, timeoutMs = 2000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  const failed = (err: Error) => {
    log.warn({ check: name, err: err.message }, 'readiness check failed');
    return 'unavailable';
  };
  try {
    return await Promise.race([run().catch(failed), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/healthz', { schema: { operationId: 'getLiveness', summary: 'Liveness: the process is up', tags: ['health'], response: { 200: healthSchema } } }, async () => ({
    status: 'ok' as const,
  }));

  r.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: Redis answers, S3 answers, and a worker sent a heartbeat within 30 s',
        operationId: 'getReadiness',
        tags: ['health'],
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (request, reply) => {
      const [redis, s3, workers] = await Promise.all([
        check('redis', request.log, async () => ((await deps.redis.ping()) === 'PONG' ? 'ok' : 'unexpected PING reply')),
        check('s3', request.log, async () => {
          await deps.objectStore.ping(deps.uploadBucket);
          return 'ok';
        }),
        check('workers', request.log, async () => {
          const live = await listLiveWorkers(deps.redis, deps.queuePrefix);
          return live.length > 0 ? 'ok' : 'no worker heartbeat in the last 30 s';
        }),
      ]);
      const ready = redis === 'ok' && s3 === 'ok' && workers === 'ok';
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: { redis, s3, workers } });
    },
  );
}
