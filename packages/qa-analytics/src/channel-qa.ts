import type { CallRole, ChannelQa, TimeSpan } from './call-qa-schema.js';
import type { Segment } from './speech-runs.js';

/** Per-channel numbers; `runs` are the channel's speech runs from `toSpeechRuns`. */
export function computeChannelQa(
  channel: number,
  role: CallRole | null,
  segments: readonly Segment[],
  runs: Float64Array,
  durationMs: number,
): ChannelQa {
  let speechMs = 0;
  for (let i = 0; i < runs.length; i += 2) speechMs += runs[i + 1] - runs[i];
  return {
    channel,
    role,
    speechMs,
    speechRatio: speechMs / durationMs,
    segmentCount: segments.length,
    meanSegmentMs: segments.length === 0 ? null : speechMs / segments.length,
    longestSilence: longestGap(runs, durationMs),
  };
}

/** The longest gap between runs, counting `[0, first start)` and `[last end, durationMs)`; earliest wins a tie. */
function longestGap(runs: Float64Array, durationMs: number): TimeSpan | null {
  let best: TimeSpan | null = null;
  let gapStartMs = 0;
  for (let i = 0; i <= runs.length; i += 2) {
    const gapEndMs = i < runs.length ? runs[i] : durationMs;
    const ms = gapEndMs - gapStartMs;
    if (ms > 0 && (best === null || ms > best.ms)) best = { startMs: gapStartMs, endMs: gapEndMs, ms };
    if (i < runs.length) gapStartMs = runs[i + 1];
  }
  return best;
}
