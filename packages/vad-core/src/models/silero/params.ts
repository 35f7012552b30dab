/**
 * Silero's post-processing parameters in the product's units (ms), with upstream `get_speech_timestamps`
 * defaults (silero-vad.md §2, §8). `negThreshold` and `maxSpeechMs` may be left unset: the first is then
 * derived from `threshold`, the second means no limit.
 */
export interface SileroParams {
  threshold: number;
  /** Default `max(threshold − 0.15, 0.01)`. */
  negThreshold?: number | null;
  minSpeechMs: number;
  minSilenceMs: number;
  speechPadMs: number;
  /** Unset (default): segments are never cut for length. */
  maxSpeechMs?: number | null;
}

export { SILERO_DEFAULTS } from '@vadfleet/shared/vad-params';

/** Upstream's `min_silence_at_max_speech` (ms): silences longer than this are where a too-long segment is cut. */
export const MIN_SILENCE_AT_MAX_SPEECH_MS = 98;

export function negThresholdOf(p: SileroParams): number {
  return p.negThreshold ?? Math.max(p.threshold - 0.15, 0.01);
}
