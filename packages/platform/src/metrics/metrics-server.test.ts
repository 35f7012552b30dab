import { describe, expect, it } from 'vitest';
import { createWorkerMetrics } from './create-metrics.js';
import { serveMetrics } from './metrics-server.js';

describe('serveMetrics', () => {
  it('serves the registry at /metrics in the Prometheus text format, /healthz, and 404s elsewhere', async () => {
    const metrics = createWorkerMetrics({ defaultMetrics: false });
    metrics.inferenceRuns.inc(3);
    const server = await serveMetrics(metrics.registry, { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await res.text()).toContain('vadfleet_inference_runs_total 3');
      expect((await fetch(server.url.replace('/metrics', '/healthz'))).status).toBe(200);
      expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
