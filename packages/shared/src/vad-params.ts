import { z } from 'zod';
import { VadError } from './errors.js';

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

/**
 * FSMN-VAD's parameters. `model` may be left out: FSMN is the default model. Strict, so a field of
 * another model is refused by name.
 */
export const fsmnParamsSchema = z
  .object({
    model: z.literal('fsmn').optional().describe('The VAD model. Default: fsmn.'),
    preset: z.enum(PRESET_NAMES).optional().describe('Named parameter set; explicit values override it. Default: meeting.'),
    maxEndSilenceMs: z
      .number()
      .int()
      .min(200)
      .max(6000)
      .optional()
      .describe('Decides whether a pause splits a segment (max_end_silence_time): pauses of about this minus 240 ms or more split; where a segment ends does not depend on it. Larger: fewer, longer segments.'),
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


/**
 * Silero VAD v6.2's parameters (upstream `get_speech_timestamps`, in ms: silero-vad.md §8). Strict, so a
 * field of another model is refused by name. A preset fills what is left out (SILERO_PRESETS, measured in
 * docs/evaluation.md); `negThreshold` defaults to max(threshold − 0.15, 0.01) and must stay below threshold.
 */
export const sileroParamsSchema = z
  .object({
    model: z.literal('silero').describe('The VAD model: Silero VAD v6.2.'),
    preset: z.enum(PRESET_NAMES).optional().describe("Named parameter set with Silero's own meaning; explicit values override it. Default: meeting (upstream's defaults)."),
    threshold: z.number().gt(0.01).lt(1).optional().describe('A window (32 ms) starts speech when P(speech) ≥ this. Default 0.5.'),
    negThreshold: z.number().gt(0).lt(1).optional().describe('Speech ends only below this (hysteresis); < threshold. Default max(threshold − 0.15, 0.01).'),
    minSpeechMs: z.number().int().min(0).max(60_000).optional().describe('Segments not longer than this before padding are dropped. Default 250.'),
    minSilenceMs: z.number().int().min(0).max(60_000).optional().describe('Silence that ends a segment. Default 100.'),
    speechPadMs: z.number().int().min(0).max(5_000).optional().describe('Added on each side of a segment (gaps shorter than twice this are split in half). Default 30.'),
    maxSpeechMs: z.number().int().min(1_000).max(3_600_000).optional().describe('Longer segments are cut at their longest pause over 98 ms, else where they reach it. Default: no limit.'),
  })
  .strict();

/** Silero's upstream defaults (silero-vad.md §2). */
export const SILERO_DEFAULTS = { threshold: 0.5, minSpeechMs: 250, minSilenceMs: 100, speechPadMs: 30 } as const;

/**
 * What each shared preset means for Silero, measured on the evaluation set (docs/evaluation.md). Upstream's
 * defaults already split at 160 ms pauses, so fast-dialogue keeps them.
 */
export const SILERO_PRESETS = {
  'fast-dialogue': {},
  meeting: {},
  /** Bridges pauses up to ~0.6 s, pads more. */
  lecture: { minSilenceMs: 500, speechPadMs: 100 },
  /** Stricter speech decision, longer pauses: fewer false alarms in noise. */
  noisy: { threshold: 0.6, minSilenceMs: 300 },
} as const satisfies Record<PresetName, Partial<Record<'threshold' | 'minSilenceMs' | 'speechPadMs', number>>>;

/**
 * The parameters a caller may send, one member per model, told apart by `model`. A new model adds a
 * strict member here and one in `resolvedVadParamsSchema`.
 */
export const vadParamsSchema = z.discriminatedUnion('model', [fsmnParamsSchema, sileroParamsSchema]);

/** Model names, the default first. */
export const MODEL_NAMES = ['fsmn', 'silero'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export type FsmnParamsInput = z.input<typeof fsmnParamsSchema>;
export type SileroParamsInput = z.input<typeof sileroParamsSchema>;
export type VadParamsInput = z.input<typeof vadParamsSchema>;

/**
 * FSMN's fully resolved parameters, as recorded in every result and queued with every job. They carry no
 * `model` (FSMN results were recorded without one); members of other models will carry theirs.
 */
export const resolvedFsmnParamsSchema = z.object({
  model: z.literal('fsmn').optional().describe('The model; absent for fsmn.'),
  preset: z.enum(PRESET_NAMES).nullable(),
  maxEndSilenceMs: z.number().int(),
  speechNoiseThres: z.number(),
  maxSegmentMs: z.number().int(),
  boundaries: z.enum(['padded', 'tight']),
});

export const resolvedSileroParamsSchema = z.object({
  model: z.literal('silero'),
  preset: z.enum(PRESET_NAMES).nullable(),
  threshold: z.number(),
  negThreshold: z.number(),
  minSpeechMs: z.number().int(),
  minSilenceMs: z.number().int(),
  speechPadMs: z.number().int(),
  maxSpeechMs: z.number().int().nullable(),
});

/** Resolved parameters of any model: what the API queues, Vad.detect takes and a result records. */
export const resolvedVadParamsSchema = z.discriminatedUnion('model', [resolvedFsmnParamsSchema, resolvedSileroParamsSchema]);

export type ResolvedFsmnParams = z.infer<typeof resolvedFsmnParamsSchema>;
export type ResolvedSileroParams = z.infer<typeof resolvedSileroParamsSchema>;
export type ResolvedVadParams = z.infer<typeof resolvedVadParamsSchema>;

export const DEFAULT_MAX_SEGMENT_MS = 60_000;

/** The model resolved parameters are for (FSMN's carry no name). */
export function modelOf(p: ResolvedVadParams): ModelName {
  return p.model ?? 'fsmn';
}

/** Applies the model's defaults (for FSMN: the preset's, then FunASR's); input must already have passed `vadParamsSchema`. */
export function resolveVadParams(input?: FsmnParamsInput): ResolvedFsmnParams;
export function resolveVadParams(input: SileroParamsInput): ResolvedSileroParams;
export function resolveVadParams(input?: VadParamsInput): ResolvedVadParams;
export function resolveVadParams(input: VadParamsInput = {}): ResolvedVadParams {
  if (input.model === 'silero') return resolveSileroParams(input);
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

function resolveSileroParams(input: SileroParamsInput): ResolvedSileroParams {
  const explicit = input.threshold !== undefined || input.negThreshold !== undefined || input.minSilenceMs !== undefined || input.speechPadMs !== undefined;
  const preset: Partial<Record<'threshold' | 'minSilenceMs' | 'speechPadMs', number>> = SILERO_PRESETS[input.preset ?? DEFAULT_PRESET];
  const threshold = input.threshold ?? preset.threshold ?? SILERO_DEFAULTS.threshold;
  const negThreshold = input.negThreshold ?? Math.max(threshold - 0.15, 0.01);
  if (negThreshold >= threshold) {
    throw new VadError('INVALID_PARAMS', `Invalid params.negThreshold: ${negThreshold} must be below threshold ${threshold}.`, { field: 'negThreshold' });
  }
  return {
    model: 'silero',
    preset: input.preset ?? (explicit ? null : DEFAULT_PRESET),
    threshold,
    negThreshold,
    minSpeechMs: input.minSpeechMs ?? SILERO_DEFAULTS.minSpeechMs,
    minSilenceMs: input.minSilenceMs ?? preset.minSilenceMs ?? SILERO_DEFAULTS.minSilenceMs,
    speechPadMs: input.speechPadMs ?? preset.speechPadMs ?? SILERO_DEFAULTS.speechPadMs,
    maxSpeechMs: input.maxSpeechMs ?? null,
  };
}

/**
 * The one parameter boundary: a caller's parameters (absent = every default), validated and resolved.
 * Throws INVALID_PARAMS naming the field.
 */
export function parseVadParams(raw: unknown): ResolvedVadParams {
  const parsed = vadParamsSchema.optional().safeParse(raw);
  if (!parsed.success) throw paramsIssueError(parsed.error.issues[0]);
  return resolveVadParams(parsed.data);
}

/** What `paramsIssueError` needs of a zod issue (also rebuilt from a Fastify validation error). */
export interface ParamsIssue {
  code: string;
  /** Relative to the parameters object. */
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
  discriminator?: string;
  options?: readonly unknown[];
}

/** The one zod issue → INVALID_PARAMS translation: `Invalid params.<field>: <what is wrong>.` */
export function paramsIssueError(issue: ParamsIssue): VadError {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    return new VadError('INVALID_PARAMS', `Invalid params: unknown parameter ${issue.keys.map((k) => `"${k}"`).join(', ')}.`, { field: issue.keys.join(', ') });
  }
  const detail =
    issue.code === 'invalid_union' && issue.discriminator
      ? `unknown ${issue.discriminator}, expected ${(issue.options ?? []).filter((o) => typeof o === 'string').map((o) => `"${o}"`).join(' or ')}`
      : issue.message;
  return new VadError('INVALID_PARAMS', `Invalid ${path ? `params.${path}` : 'params'}: ${detail}.`, { field: path || undefined });
}

/**
 * Canonical, order-stable text of resolved parameters (cache keys, idempotency). FSMN's text has no model
 * name (it predates other models), so existing cache entries keep their meaning; other models' texts
 * will start with theirs.
 */
export function canonicalParams(p: ResolvedVadParams): string {
  if (p.model === 'silero') return JSON.stringify(['silero', p.threshold, p.negThreshold, p.minSpeechMs, p.minSilenceMs, p.speechPadMs, p.maxSpeechMs]);
  return JSON.stringify([p.maxEndSilenceMs, p.speechNoiseThres, p.maxSegmentMs, p.boundaries]);
}
