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
