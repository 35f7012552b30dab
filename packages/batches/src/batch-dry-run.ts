import type { BatchDryRun } from '@vadfleet/shared/schemas';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import { probeWavFormat } from '@vadfleet/vad-core/audio';
import { listBatchPage } from './batch-listing.js';
import type { BatchSource } from './batch-spec.js';
import type { BatchStore } from './batch-store.js';

/** 8 kHz G.711 stereo: the call-centre format, assumed when the first object has no readable WAV header. */
const DEFAULT_BYTES_PER_SECOND = 16_000;
/** What is read of the first object to find its WAV format. */
const HEADER_PROBE_BYTES = 4096;
/** HEAD requests at once for an explicit key list (whose listing has no sizes). */
const HEAD_CONCURRENCY = 32;

/**
 * Lists the whole input (page by page, keeping only sums) and estimates its audio: bytes ÷ the byte rate
 * of the first object's WAV format (8 kHz μ-law stereo = 16 000 B/s, PCM16 16 kHz mono = 32 000 B/s),
 * or 16 000 B/s when it has none. The ETA divides by the fleet's measured throughput.
 */
export async function estimateBatch(store: BatchStore, objectStore: ObjectStore, source: BatchSource): Promise<BatchDryRun> {
  const { objects, totalBytes, firstKey } = await measureInput(objectStore, source);
  const probed = firstKey ? await wavByteRate(objectStore, source.bucket, firstKey) : null;
  const bytesPerSecond = probed ?? DEFAULT_BYTES_PER_SECOND;
  const audioSeconds = totalBytes / bytesPerSecond;
  const fleet = await store.fleetThroughput();
  return {
    dryRun: true,
    objects,
    totalBytes,
    bytesPerSecond,
    estimateBasis: probed ? `byte rate of the WAV header of ${firstKey}, applied to every object` : 'no WAV header read: assumed 16 000 B/s (8 kHz G.711 stereo)',
    estimatedAudioHours: Math.round((audioSeconds / 3600) * 1000) / 1000,
    fleetAudioSecondsPerSecond: fleet,
    etaSeconds: fleet ? Math.round(audioSeconds / fleet) : null,
  };
}

async function measureInput(objectStore: ObjectStore, source: BatchSource) {
  let objects = 0;
  let totalBytes = 0;
  let firstKey: string | undefined;
  let cursor: string | null = null;
  let sizesKnown = true;
  do {
    const page = await listBatchPage(objectStore, source, cursor);
    for (const o of page.objects) {
      firstKey ??= o.key;
      objects++;
      if (o.size === undefined) sizesKnown = false;
      totalBytes += o.size ?? 0;
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  if (!sizesKnown) {
    // An explicit key list has no sizes: HEAD each (bounded by MAX_BATCH_KEYS).
    totalBytes = 0;
    for (let from = 0; source.keys && from < source.keys.length; from += HEAD_CONCURRENCY) {
      const heads = await Promise.all(source.keys.slice(from, from + HEAD_CONCURRENCY).map((k) => objectStore.head(source.bucket, k)));
      for (const h of heads) totalBytes += h?.size ?? 0;
    }
  }
  return { objects, totalBytes, firstKey };
}

/** Bytes per second of a stored WAV, from the format in its first bytes; null if it has none vad-core reads. */
async function wavByteRate(objectStore: ObjectStore, bucket: string, key: string): Promise<number | null> {
  const head = await objectStore.getRange(bucket, key, 0, HEADER_PROBE_BYTES - 1).catch(() => null);
  const format = head && (await probeWavFormat(head));
  return format ? format.sampleRate * format.blockAlign : null;
}
