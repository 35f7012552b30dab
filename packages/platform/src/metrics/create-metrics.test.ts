import { describe, expect, it } from 'vitest';
import { DEFAULT_COLLECTOR_METRICS, METRICS, type MetricDefinition } from '@vadfleet/shared/metrics';
import { createApiMetrics, createWorkerMetrics } from './create-metrics.js';

const definitions = Object.values(METRICS) as MetricDefinition[];

function namesIn(text: string): Set<string> {
  return new Set(text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]));
}

describe('createApiMetrics / createWorkerMetrics', () => {
  it('register exactly the vocabulary entries each process exports, plus the default collectors', async () => {
    for (const [exporter, metrics] of [['api', createApiMetrics()], ['worker', createWorkerMetrics()]] as const) {
      const names = namesIn(await metrics.registry.metrics());
      for (const def of definitions) expect(names.has(def.name), `${exporter} ${def.name}`).toBe(def.exportedBy.includes(exporter));
      for (const name of DEFAULT_COLLECTOR_METRICS) expect(names.has(name), `${exporter} ${name}`).toBe(true);
    }
  });

  it('start known label combinations at zero so rate() sees the first increase', async () => {
    const text = await createWorkerMetrics({ defaultMetrics: false }).registry.metrics();
    expect(text).toContain('vadfleet_jobs_total{outcome="cancelled",cached="false"} 0');
    expect(text).toContain('vadfleet_errors_total{code="INVALID_AUDIO"} 0');
    expect(text).toContain('vadfleet_cache_lookups_total{result="hit"} 0');
    expect(text).toContain('vadfleet_stage_duration_seconds_count{stage="inference"} 0');
    expect(text).toContain('vadfleet_gpu_available 0');
  });

  it('give typed handles that record into their own registry', async () => {
    const api = createApiMetrics({ defaultMetrics: false });
    const other = createApiMetrics({ defaultMetrics: false });
    api.httpRequestDuration.observe({ route: '/v1/jobs/:id', method: 'GET', status_class: '2xx' }, 0.02);
    api.queueJobs.set({ state: 'waiting' }, 7);
    const text = await api.registry.metrics();
    expect(text).toContain('vadfleet_http_request_duration_seconds_count{route="/v1/jobs/:id",method="GET",status_class="2xx"} 1');
    expect(text).toContain('vadfleet_queue_jobs{state="waiting"} 7');
    expect(await other.registry.metrics()).not.toContain('status_class="2xx"');
  });

  it('track the most inference calls seen in flight', async () => {
    const worker = createWorkerMetrics({ defaultMetrics: false });
    for (const calls of [1, 2, 1, 0]) worker.setInferenceInFlight(calls);
    const text = await worker.registry.metrics();
    expect(text).toContain('vadfleet_inference_in_flight 0');
    expect(text).toContain('vadfleet_inference_in_flight_max 2');
  });
});
