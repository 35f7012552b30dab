import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { healthSchema, readinessSchema } from '@vadfleet/shared/schemas';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import { listLiveWorkers } from '@vadfleet/platform/redis-heartbeat';

export interface HealthDeps {
  redis: Redis;
  objectStore: ObjectStore;
  queuePrefix: string;
  uploadBucket: string;
}

/** Runs a check with a deadline; resolves to "ok" or the reason it failed. */
async function check(run: () => Promise<string>, timeoutMs = 2000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([run().catch((err: Error) => err.message || String(err)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/healthz', { schema: { summary: 'Liveness: the process is up', tags: ['health'], response: { 200: healthSchema } } }, async () => ({
    status: 'ok' as const,
  }));

  r.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: Redis answers, S3 answers, and a worker sent a heartbeat within 30 s',
        tags: ['health'],
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const [redis, s3, workers] = await Promise.all([
        check(async () => ((await deps.redis.ping()) === 'PONG' ? 'ok' : 'unexpected PING reply')),
        check(async () => {
          await deps.objectStore.ping(deps.uploadBucket);
          return 'ok';
        }),
        check(async () => {
          const live = await listLiveWorkers(deps.redis, deps.queuePrefix);
          return live.length > 0 ? 'ok' : 'no worker heartbeat in the last 30 s';
        }),
      ]);
      const ready = redis === 'ok' && s3 === 'ok' && workers === 'ok';
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: { redis, s3, workers } });
    },
  );
}
