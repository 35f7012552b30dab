import { z } from 'zod';

/**
 * Options of speech export (`output.speech` of a job or batch, `vadfleet split`): what is cut out of the
 * audio after detection and how it is written. Milliseconds throughout, like segments.
 */
export const speechExportSchema = z
  .object({
    layout: z.enum(['clips', 'joined']).default('clips').describe('clips: one object per segment per channel; joined: one speech-only track per channel plus a time map.'),
    format: z.enum(['wav', 'flac']).default('wav').describe('wav (PCM16) or flac (16-bit, lossless).'),
    sampleRate: z.union([z.literal(16000), z.literal(8000), z.literal('source')]).default(16000).describe('Rate of the exported audio: 16000, 8000, or source (as decoded, no resampling).'),
    padMs: z.number().int().min(0).max(5000).default(0).describe('Audio kept on each side of a segment; never crosses into a neighbouring segment or past the file.'),
    maxClipMs: z
      .number()
      .int()
      .min(2000)
      .max(600000)
      .optional()
      .describe('clips only: longer pieces are split at the lowest-energy 10 ms frame within the last second before this length.'),
    gapMs: z.number().int().min(0).max(10000).default(0).describe('joined only: silence inserted between pieces.'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.layout === 'joined' && v.maxClipMs !== undefined) ctx.addIssue({ code: 'custom', path: ['maxClipMs'], message: 'maxClipMs applies to the clips layout only' });
    if (v.layout === 'clips' && v.gapMs !== 0) ctx.addIssue({ code: 'custom', path: ['gapMs'], message: 'gapMs applies to the joined layout only' });
  });

export type SpeechExportInput = z.input<typeof speechExportSchema>;
export type SpeechExportOptions = z.output<typeof speechExportSchema>;

/** The options as the API resolved them (defaults applied), in a job's data. */
export const resolvedSpeechExportSchema = z.object({
  layout: z.enum(['clips', 'joined']),
  format: z.enum(['wav', 'flac']),
  sampleRate: z.union([z.literal(16000), z.literal(8000), z.literal('source')]),
  padMs: z.number().int(),
  maxClipMs: z.number().int().optional(),
  gapMs: z.number().int(),
}) satisfies z.ZodType<SpeechExportOptions>;

const exportedObjectSchema = z.object({
  key: z.string(),
  bytes: z.number().int().nonnegative(),
  durationMs: z.number(),
  segmentIndex: z.number().int().nonnegative().optional(),
  startMs: z.number().optional(),
  endMs: z.number().optional(),
});

/** What speech export wrote, in the result JSON (`speech`). */
export const speechResultSchema = z
  .object({
    bucket: z.string(),
    layout: z.enum(['clips', 'joined']),
    format: z.enum(['wav', 'flac']),
    sampleRate: z.number().int().positive(),
    channels: z.array(
      z.object({
        channel: z.number().int().nonnegative(),
        speechMs: z.number().describe('Source audio exported, padding included, gaps not.'),
        removedRatio: z.number().describe('1 − speechMs / duration: the share of the channel left out.'),
        objects: z.array(exportedObjectSchema).describe('Objects whose upload completed: clips, or the joined track.'),
        mapKey: z.string().optional().describe('joined: the time map [{outStartMs, srcStartMs, durationMs}].'),
      }),
    ),
  })
  .meta({ id: 'SpeechExport', description: 'Speech export (output.speech): the objects written and the audio removed. See docs/speech-export.md.' });

/** Where a job's exported speech goes: beside its result JSON, `<prefix>/<tenant>/<jobId>/…`. */
export function speechBase(resultJsonKey: string): string {
  return resultJsonKey.replace(/\.json$/, '');
}
