import type { CallQa } from '@vadfleet/qa-analytics/call-qa';
import { toVadError } from '@vadfleet/shared/errors';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import type { ItemRecord, ListedObject } from './batch-spec.js';
import type { BatchState, BatchStore } from './batch-store.js';

/** Items read from Redis at once; their result JSONs are fetched in parallel up to FETCH_CONCURRENCY. */
const PAGE = 100;
const FETCH_CONCURRENCY = 16;

interface CallOutcome {
  index: number;
  object: ListedObject | null;
  record: ItemRecord | null;
  result?: Record<string, unknown>;
}

/**
 * Every call of the batch in listing order, with its result JSON when it completed. Only one page is in
 * memory at a time, so a 20 000-call batch streams in constant memory.
 */
async function* outcomes(store: BatchStore, objectStore: ObjectStore, batch: BatchState): AsyncGenerator<CallOutcome> {
  for (let from = 0; from < batch.total; from += PAGE) {
    const page: CallOutcome[] = await store.itemsPage(batch.id, from, Math.min(PAGE, batch.total - from));
    for (let i = 0; i < page.length; i += FETCH_CONCURRENCY) {
      await Promise.all(
        page.slice(i, i + FETCH_CONCURRENCY).map(async (item) => {
          const ref = item.record?.result;
          if (item.record?.outcome !== 'completed' || !ref) return;
          try {
            item.result = (await objectStore.getJson(ref.bucket, ref.key)) as Record<string, unknown>;
          } catch (err) {
            // A result deleted since (lifecycle rule): report the call, say why its numbers are missing.
            item.record = { ...item.record, error: toVadError(err).toData() };
          }
        }),
      );
    }
    yield* page;
  }
}

/** Status of a call not finished: still to run, or dropped because the batch stopped. */
function openStatus(batch: BatchState): string {
  return batch.status === 'cancelled' || batch.status === 'failed' ? 'cancelled' : 'pending';
}

export async function* batchResultsNdjson(store: BatchStore, objectStore: ObjectStore, batch: BatchState): AsyncGenerator<string> {
  for await (const o of outcomes(store, objectStore, batch)) {
    const line = {
      index: o.index,
      key: o.object?.key ?? null,
      status: o.record?.outcome ?? openStatus(batch),
      error: o.record?.error,
      durationMs: o.record?.durationMs,
      warnings: o.record?.warnings ?? [],
      resultRef: o.record?.result,
      result: o.result,
    };
    yield `${JSON.stringify(line)}\n`;
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
  for await (const o of outcomes(store, objectStore, batch)) {
    const qa = o.result?.qa as CallQa | undefined;
    const conv = qa?.conversation;
    const channel = (c: number) => {
      const ch = qa?.channels.find((x) => x.channel === c);
      return [ch?.role, ch?.speechMs, ch?.speechRatio, ch?.segmentCount, ch ? (ch.longestSilence?.ms ?? 0) : undefined];
    };
    const row = [
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
        const ch = (o.result?.speech as SpeechListing | undefined)?.channels.find((x) => x.channel === c);
        return [ch?.removedRatio, ch && [...ch.objects.map((x) => x.key), ...(ch.mapKey ? [ch.mapKey] : [])].join(' ')];
      }),
    ];
    yield `${row.map(csvCell).join(',')}\n`;
  }
}
