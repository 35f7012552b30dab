import { z } from 'zod';

/**
 * The VAD parameters a caller may set (spec §13), in the product's units (ms), with FunASR's config.yaml
 * names noted. A preset fills the two pause-related values; explicit values override the preset.
 */
export const PRESETS = {
  /** Short turns in dialogue: split on ~260 ms pauses. */
  'fast-dialogue': { maxEndSilenceMs: 500, speechNoiseThres: 0.5 },
  /** FunASR's defaults (the golden result). */
  meeting: { maxEndSilenceMs: 800, speechNoiseThres: 0.6 },
  /** Long monologue: split only on pauses over ~1.26 s, stricter speech decision. */
  lecture: { maxEndSilenceMs: 1500, speechNoiseThres: 0.7 },
  /** Background noise: more permissive speech decision, longer pauses. */
  noisy: { maxEndSilenceMs: 1000, speechNoiseThres: 0.4 },
} as const satisfies Record<string, { maxEndSilenceMs: number; speechNoiseThres: number }>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as [PresetName, ...PresetName[]];
export const DEFAULT_PRESET: PresetName = 'meeting';

export const vadParamsSchema = z
  .object({
    preset: z.enum(PRESET_NAMES).optional().describe('Named parameter set; explicit values override it. Default: meeting.'),
    maxEndSilenceMs: z
      .number()
      .int()
      .min(200)
      .max(6000)
      .optional()
      .describe('Trailing silence (ms) that ends a segment (max_end_silence_time). Larger: fewer, longer segments.'),
    speechNoiseThres: z
      .number()
      .gt(-1)
      .lt(1)
      .optional()
      .describe('A frame is speech when P(speech) − P(silence) ≥ this (speech_noise_thres). Higher: fewer speech frames.'),
    maxSegmentMs: z
      .number()
      .int()
      .min(1000)
      .max(600_000)
      .multipleOf(10)
      .optional()
      .describe('Segments longer than this are force-split (max_single_segment_time).'),
    boundaries: z
      .enum(['padded', 'tight'])
      .optional()
      .describe('padded: FunASR look-back 200 ms / look-ahead 100 ms (default). tight: both 0, segments hug the speech.'),
  })
  .strict();

export type VadParamsInput = z.infer<typeof vadParamsSchema>;

/** Fully resolved parameters, as recorded in every result. */
export interface ResolvedVadParams {
  preset: PresetName | null;
  maxEndSilenceMs: number;
  speechNoiseThres: number;
  maxSegmentMs: number;
  boundaries: 'padded' | 'tight';
}

export const DEFAULT_MAX_SEGMENT_MS = 60_000;

/** Applies the preset and defaults; input must already have passed `vadParamsSchema`. */
export function resolveVadParams(input: VadParamsInput = {}): ResolvedVadParams {
  const presetName = input.preset ?? DEFAULT_PRESET;
  const preset = PRESETS[presetName];
  return {
    preset: input.preset ?? (input.maxEndSilenceMs === undefined && input.speechNoiseThres === undefined ? DEFAULT_PRESET : null),
    maxEndSilenceMs: input.maxEndSilenceMs ?? preset.maxEndSilenceMs,
    speechNoiseThres: input.speechNoiseThres ?? preset.speechNoiseThres,
    maxSegmentMs: input.maxSegmentMs ?? DEFAULT_MAX_SEGMENT_MS,
    boundaries: input.boundaries ?? 'padded',
  };
}

/** Canonical, order-stable text of resolved parameters (cache keys, idempotency). */
export function canonicalParams(p: ResolvedVadParams): string {
  return JSON.stringify([p.maxEndSilenceMs, p.speechNoiseThres, p.maxSegmentMs, p.boundaries]);
}
