import type { CallQa } from '@vadfleet/qa-analytics/call-qa';
import { toVadError } from '@vadfleet/shared/errors';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import type { ItemRecord, ListedObject } from './batch-spec.js';
import type { BatchState, BatchStore } from './batch-store.js';

/**
 * Items read from Redis at once (three HMGETs). Results kept in Redis need no S3 read; only items
 * finished before results were kept there are fetched, in parallel up to FETCH_CONCURRENCY.
 */
const PAGE = 500;
const FETCH_CONCURRENCY = 16;

interface CallOutcome {
  index: number;
  object: ListedObject | null;
  record: ItemRecord | null;
  /** The stored result JSON's text, exactly as written (JSON.stringify of the document). */
  resultJson?: string;
}

/**
 * Every call of the batch in listing order, a page at a time, with its result JSON when it completed.
 * Only one page is in memory at a time, so a 20 000-call batch streams in constant memory.
 */
async function* outcomePages(store: BatchStore, objectStore: ObjectStore, batch: BatchState): AsyncGenerator<CallOutcome[]> {
  for (let from = 0; from < batch.total; from += PAGE) {
    const page: CallOutcome[] = await store.itemsPage(batch.id, from, Math.min(PAGE, batch.total - from));
    const missing = page.filter((item) => item.record?.outcome === 'completed' && item.record.result && item.resultJson === undefined);
    for (let i = 0; i < missing.length; i += FETCH_CONCURRENCY) {
      await Promise.all(
        missing.slice(i, i + FETCH_CONCURRENCY).map(async (item) => {
          const ref = item.record!.result!;
          try {
            item.resultJson = (await objectStore.getBytes(ref.bucket, ref.key)).toString('utf8');
          } catch (err) {
            // A result deleted since (lifecycle rule): report the call, say why its numbers are missing.
            item.record = { ...item.record!, error: toVadError(err).toData() };
          }
        }),
      );
    }
    yield page;
  }
}

/** Status of a call not finished: still to run, or dropped because the batch stopped. */
function openStatus(batch: BatchState): string {
  return batch.status === 'cancelled' || batch.status === 'failed' ? 'cancelled' : 'pending';
}

/**
 * One line per call. The result JSON is spliced in as stored rather than parsed and serialized again:
 * the same bytes (it was written by JSON.stringify), at a fraction of the cost.
 */
export async function* batchResultsNdjson(store: BatchStore, objectStore: ObjectStore, batch: BatchState): AsyncGenerator<string> {
  for await (const page of outcomePages(store, objectStore, batch)) {
    let chunk = '';
    for (const o of page) {
      const line = JSON.stringify({
        index: o.index,
        key: o.object?.key ?? null,
        status: o.record?.outcome ?? openStatus(batch),
        error: o.record?.error,
        durationMs: o.record?.durationMs,
        warnings: o.record?.warnings ?? [],
        resultRef: o.record?.result,
      });
      chunk += o.resultJson === undefined ? `${line}\n` : `${line.slice(0, -1)},"result":${o.resultJson}}\n`;
    }
    yield chunk;
  }
}

export const CSV_COLUMNS = [
  'file',
  'status',
  'error_code',
  'duration_ms',
  'warnings',
  ...[0, 1].flatMap((c) => [`ch${c}_role`, `ch${c}_speech_ms`, `ch${c}_speech_ratio`, `ch${c}_segments`, `ch${c}_longest_silence_ms`]),
  'overtalk_ms',
  'overtalk_count',
  'agent_talk_share',
  'turns',
  'interruptions_by_agent',
  'interruptions_by_customer',
  'customer_longest_wait_ms',
  // Speech export (output.speech): the share of each channel left out, and its objects' keys (space-separated).
  ...[0, 1].flatMap((c) => [`ch${c}_export_removed_ratio`, `ch${c}_export_keys`]),
] as const;

interface SpeechListing {
  channels: { channel: number; removedRatio: number; objects: { key: string }[]; mapKey?: string }[];
}

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'number' ? String(Math.round(value * 10_000) / 10_000) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One row per call (columns: CSV_COLUMNS); QA columns are empty for calls without two channels. */
export async function* batchResultsCsv(store: BatchStore, objectStore: ObjectStore, batch: BatchState): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\n`;
  for await (const page of outcomePages(store, objectStore, batch)) {
    let chunk = '';
    for (const o of page) {
      const result = o.resultJson === undefined ? undefined : (JSON.parse(o.resultJson) as StoredResult);
      chunk += `${csvRow(batch, o, result).map(csvCell).join(',')}\n`;
    }
    yield chunk;
  }
}

/** The parts of a stored result JSON the CSV reads. */
type StoredResult = { qa?: CallQa; speech?: SpeechListing };

function csvRow(batch: BatchState, o: CallOutcome, result: StoredResult | undefined): unknown[] {
  const qa = result?.qa;
  const conv = qa?.conversation;
  const channel = (c: number) => {
    const ch = qa?.channels.find((x) => x.channel === c);
    return [ch?.role, ch?.speechMs, ch?.speechRatio, ch?.segmentCount, ch ? (ch.longestSilence?.ms ?? 0) : undefined];
  };
  return [
    o.object?.key,
    o.record?.outcome ?? openStatus(batch),
    o.record?.error?.code,
    o.record?.durationMs,
    o.record?.warnings?.map((w) => w.code).join(';'),
    ...channel(0),
    ...channel(1),
    conv?.overtalk.totalMs,
    conv?.overtalk.count,
    conv?.talk.agentShare,
    conv?.turnCount,
    conv?.interruptions.byAgent,
    conv?.interruptions.byCustomer,
    conv ? (conv.longestCustomerWait?.ms ?? 0) : undefined,
    ...[0, 1].flatMap((c) => {
      const ch = result?.speech?.channels.find((x) => x.channel === c);
      return [ch?.removedRatio, ch && [...ch.objects.map((x) => x.key), ...(ch.mapKey ? [ch.mapKey] : [])].join(' ')];
    }),
  ];
}
