import type { FastifyInstance } from 'fastify';
import { httpStatusClass } from '@vadfleet/shared/metrics';
import type { ApiMetrics } from '@vadfleet/platform/metrics';

/** Times every response into vadfleet_http_request_duration_seconds and serves the registry at /metrics. */
export function registerMetrics(app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      {
        // The template (/v1/jobs/:id), never the raw URL: ids would explode the label's cardinality.
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status_class: httpStatusClass(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
