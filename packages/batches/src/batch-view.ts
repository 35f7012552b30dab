import { isoTimestamp, type BatchView } from '@vadfleet/shared/schemas';
import type { BatchState, BatchStore } from './batch-store.js';

/**
 * A batch as its tenant sees it: counts by state, progress, throughput and ETA, webhook deliveries.
 * The ETA is the audio still to do (remaining calls × the mean audio of a completed one) over the
 * batch's own rate since its first item was handed out, or the fleet's recent throughput before that.
 */
export async function batchView(store: BatchStore, b: BatchState): Promise<BatchView> {
  const done = b.completed + b.failed + b.cancelled;
  const pending = Math.max(0, b.total - done - b.inFlight);
  const finished = store.isFinished(b.status);
  const elapsedMs = b.startedAt ? (b.finishedAt ?? Date.now()) - b.startedAt : 0;
  const rate = elapsedMs > 0 && b.audioMs > 0 ? b.audioMs / elapsedMs : null;
  const processed = b.completed + b.failed;
  let eta: number | null = finished ? 0 : null;
  if (!finished && b.completed > 0) {
    const throughput = rate ?? (await store.fleetThroughput());
    if (throughput) eta = Math.round(((b.total - done) * (b.audioMs / b.completed)) / throughput / 1000);
  }
  const out: BatchView = {
    id: b.id,
    status: b.status,
    createdAt: isoTimestamp(b.createdAt)!,
    startedAt: isoTimestamp(b.startedAt),
    finishedAt: isoTimestamp(b.finishedAt),
    listingComplete: b.listed,
    counts: { total: b.total, pending, inFlight: b.inFlight, completed: b.completed, failed: b.failed, cancelled: b.cancelled },
    percent: b.total ? Math.round((done / b.total) * 1000) / 10 : finished ? 100 : 0,
    audioMsProcessed: b.audioMs,
    audioSecondsPerSecond: processed > 0 ? rate : null,
    etaSeconds: eta,
    error: b.error,
  };
  if (b.spec.webhookUrl) out.webhook = { url: b.spec.webhookUrl, attempts: await store.webhookAttempts(b.id), delivered: b.webhookDelivered };
  return out;
}
