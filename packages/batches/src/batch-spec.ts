import { z } from 'zod';
import { resolvedSpeechExportSchema } from '@vadfleet/shared/speech-export';
import { objectRefSchema, warningDataSchema } from '@vadfleet/shared/queue';
import { resolvedVadParamsSchema } from '@vadfleet/shared/vad-params';
import { errorDataSchema, webhookAttemptSchema } from '@vadfleet/shared/schemas';

/**
 * What a batch stores in Redis, as zod schemas: what is read back is parsed, not cast, so a record
 * written by another version (or damaged) fails loudly where it is read.
 */

/** What a batch reads: a prefix (optionally filtered) or an explicit list of keys, in one bucket. */
export const batchSourceSchema = z.object({
  bucket: z.string(),
  prefix: z.string().optional(),
  keys: z.array(z.string()).readonly().optional(),
  suffix: z.string().optional(),
  glob: z.string().optional(),
});
export type BatchSource = z.infer<typeof batchSourceSchema>;

/** What the API accepted, stored once in the batch hash. */
export const batchSpecSchema = z.object({
  source: batchSourceSchema,
  params: resolvedVadParamsSchema,
  roles: z.record(z.string(), z.enum(['agent', 'customer'])),
  /** Where each call's result goes, and its speech export (output.speech) if asked for. */
  output: z.object({ bucket: z.string(), prefix: z.string(), speech: resolvedSpeechExportSchema.optional() }),
  webhookUrl: z.string().optional(),
});
export type BatchSpec = z.infer<typeof batchSpecSchema>;

/** One listed object of a batch (an item). */
export const listedObjectSchema = z.object({
  key: z.string(),
  size: z.number().optional(),
  etag: z.string().optional(),
});
export type ListedObject = z.infer<typeof listedObjectSchema>;

export const ITEM_OUTCOMES = ['completed', 'failed', 'cancelled'] as const;
export type ItemOutcome = (typeof ITEM_OUTCOMES)[number];

/** The terminal record of one item. */
export interface ItemRecord {
  outcome: ItemOutcome;
  result?: z.infer<typeof objectRefSchema>;
  durationMs?: number;
  error?: z.infer<typeof errorDataSchema>;
  /** Only when there are any (e.g. TRUNCATED_INPUT). */
  warnings?: z.infer<typeof warningDataSchema>[];
}

/**
 * An item record as stored (`batch:<id>:done`): the outcome under the short field `s`, the name every
 * record written so far uses (records live 8 days, across deployments), so old and new readers agree.
 */
const storedItemRecordSchema = z.object({
  s: z.enum(ITEM_OUTCOMES),
  result: objectRefSchema.optional(),
  durationMs: z.number().optional(),
  error: errorDataSchema.optional(),
  warnings: z.array(warningDataSchema).optional(),
});

export function encodeItemRecord({ outcome, ...rest }: ItemRecord): string {
  return JSON.stringify({ s: outcome, ...rest });
}

export function decodeItemRecord(raw: string): ItemRecord {
  const { s, ...rest } = storedItemRecordSchema.parse(JSON.parse(raw));
  return { outcome: s, ...rest };
}

export type WebhookAttempt = z.infer<typeof webhookAttemptSchema>;
