import { BATCH_ITEM_OUTCOMES } from '@vadfleet/shared/metrics';
import type { ApiMetrics } from '@vadfleet/platform/metrics';
import type { BatchStore } from './batch-store.js';

const METRICS_SAMPLE_INTERVAL_MS = 5_000;

/**
 * Mirrors the fleet-wide batch counters kept in Redis into an API's metrics every 5 s (every API
 * instance exports the same values). Returns the function that stops it.
 */
export function startBatchMetricsSampler(store: BatchStore, metrics: ApiMetrics, onError: (err: unknown) => void): () => void {
  const seen: Record<string, number> = {};
  const sample = async () => {
    const snapshot = await store.metricsSnapshot();
    metrics.batchesActive.set(snapshot.active);
    for (const outcome of BATCH_ITEM_OUTCOMES) {
      const now = snapshot.items[outcome] ?? 0;
      // The counter follows the fleet-wide Redis total.
      if (now > (seen[outcome] ?? 0)) metrics.batchItems.inc({ outcome }, now - (seen[outcome] ?? 0));
      seen[outcome] = now;
    }
  };
  const timer = setInterval(() => void sample().catch(onError), METRICS_SAMPLE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
