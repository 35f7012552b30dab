import { QUEUE_STATES } from '@vadfleet/shared/metrics';
import type { ApiMetrics } from './create-metrics.js';
import { IntervalSampler } from './interval-sampler.js';

/** The part of a BullMQ `Queue` the sampler needs. */
export interface JobCountsSource {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

export interface QueueDepthSamplerOptions {
  intervalMs: number;
  /** Counts live worker heartbeats; without it `vadfleet_workers_alive` is not sampled. */
  countWorkers?: () => Promise<number>;
  /** A failed sample keeps the previous values; this reports why. */
  onError?: (err: Error) => void;
}

/**
 * Samples queue depth by state (and live workers) into the API's gauges. One process samples for the
 * fleet: per-scrape sampling in every worker would multiply the Redis load and the series.
 */
export class QueueDepthSampler extends IntervalSampler {
  constructor(
    private readonly queue: JobCountsSource,
    private readonly metrics: Pick<ApiMetrics, 'queueJobs' | 'workersAlive'>,
    private readonly options: QueueDepthSamplerOptions,
  ) {
    super(options.intervalMs);
  }

  /** Never throws: errors go to `onError`. */
  override async sampleOnce(): Promise<void> {
    try {
      const [counts, workers] = await Promise.all([
        this.queue.getJobCounts(...QUEUE_STATES),
        this.options.countWorkers?.(),
      ]);
      for (const state of QUEUE_STATES) this.metrics.queueJobs.set({ state }, counts[state] ?? 0);
      if (workers !== undefined) this.metrics.workersAlive.set(workers);
    } catch (err) {
      this.options.onError?.(err as Error);
    }
  }
}
