/**
 * One prom-client registry per process, built from the vocabulary in `@vadfleet/shared/metrics`: the API
 * and the worker each get typed handles for exactly the metrics they export, plus prom-client's default
 * collectors (process CPU and memory, heap, event-loop lag). Nothing here uses the global registry, so
 * tests can build several side by side.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { METRICS, type MetricDefinition, type MetricExporter, type MetricKey } from '@vadfleet/shared/metrics';
import type { GpuReading } from '../gpu/nvidia-smi.js';

type Defs = typeof METRICS;
type LabelOf<K extends MetricKey> = Defs[K]['labels'][number];
type HandleOf<K extends MetricKey> = Defs[K]['type'] extends 'counter'
  ? Counter<LabelOf<K>>
  : Defs[K]['type'] extends 'gauge'
    ? Gauge<LabelOf<K>>
    : Histogram<LabelOf<K>>;

/** The prom-client metric for each vocabulary entry a process exports, typed by its label names. */
export type MetricHandles<E extends MetricExporter> = {
  [K in MetricKey as E extends Defs[K]['exportedBy'][number] ? K : never]: HandleOf<K>;
};

export interface CreateMetricsOptions {
  /** prom-client's default collectors; on by default, off in tests that only look at vadfleet_ series. */
  defaultMetrics?: boolean;
}

export interface ApiMetrics extends MetricHandles<'api'> {
  readonly registry: Registry;
}

export interface WorkerMetrics extends MetricHandles<'worker'> {
  readonly registry: Registry;
  /** Sets the in-flight gauge and raises the max-seen gauge with it. */
  setInferenceInFlight(calls: number): void;
  /** Replaces the GPU series with one sample; `null` means no GPU (series removed, available 0). */
  recordGpus(readings: readonly GpuReading[] | null): void;
}

export function createApiMetrics(options: CreateMetricsOptions = {}): ApiMetrics {
  const registry = new Registry();
  return { registry, ...createHandles(registry, 'api', options) };
}

export function createWorkerMetrics(options: CreateMetricsOptions = {}): WorkerMetrics {
  const registry = new Registry();
  const handles = createHandles(registry, 'worker', options);
  let inFlightMax = 0;
  handles.gpuAvailable.set(0);
  return {
    registry,
    ...handles,
    setInferenceInFlight(calls) {
      handles.inferenceInFlight.set(calls);
      if (calls > inFlightMax) {
        inFlightMax = calls;
        handles.inferenceInFlightMax.set(calls);
      }
    },
    recordGpus(readings) {
      for (const gauge of [handles.gpuMemoryUsed, handles.gpuMemoryTotal, handles.gpuUtilization]) gauge.reset();
      handles.gpuAvailable.set(readings === null ? 0 : 1);
      for (const gpu of readings ?? []) {
        const labels = { gpu: gpu.index, uuid: gpu.uuid };
        if (gpu.memoryUsedBytes !== null) handles.gpuMemoryUsed.set(labels, gpu.memoryUsedBytes);
        if (gpu.memoryTotalBytes !== null) handles.gpuMemoryTotal.set(labels, gpu.memoryTotalBytes);
        if (gpu.utilizationRatio !== null) handles.gpuUtilization.set(labels, gpu.utilizationRatio);
      }
    },
  };
}

function createHandles<E extends MetricExporter>(registry: Registry, exporter: E, options: CreateMetricsOptions): MetricHandles<E> {
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const handles: Record<string, Counter | Gauge | Histogram> = {};
  for (const [key, def] of Object.entries(METRICS) as [MetricKey, MetricDefinition][]) {
    if (!def.exportedBy.includes(exporter)) continue;
    const metric = createMetric(registry, def);
    for (const labels of knownLabelCombinations(def)) {
      if (metric instanceof Histogram) metric.zero(labels);
      else metric.inc(labels, 0);
    }
    handles[key] = metric;
  }
  return handles as MetricHandles<E>;
}

function createMetric(registry: Registry, def: MetricDefinition): Counter | Gauge | Histogram {
  const config = { name: def.name, help: def.help, labelNames: [...def.labels], registers: [registry] };
  switch (def.type) {
    case 'counter':
      return new Counter(config);
    case 'gauge':
      return new Gauge(config);
    case 'histogram':
      return new Histogram({ ...config, buckets: [...(def.buckets ?? [])] });
  }
}

/** Every combination of the known label values, or none when a label's values are open (e.g. routes). */
function knownLabelCombinations(def: MetricDefinition): Record<string, string>[] {
  if (def.labels.length === 0) return [];
  let combinations: Record<string, string>[] = [{}];
  for (const label of def.labels) {
    const values = def.labelValues?.[label];
    if (!values) return [];
    combinations = combinations.flatMap((partial) => values.map((value) => ({ ...partial, [label]: value })));
  }
  return combinations;
}
