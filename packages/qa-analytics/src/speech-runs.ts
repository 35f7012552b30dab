import { VadError } from '@vadfleet/shared/errors';

/** One speech segment, `[startMs, endMs)`. */
export type Segment = readonly [startMs: number, endMs: number];

/**
 * Checks one channel's segment list: finite numbers, `0 ≤ start < end ≤ durationMs`, sorted and
 * non-overlapping (a segment may start exactly where the previous one ends).
 */
export function assertValidSegments(segments: readonly Segment[], durationMs: number, channel: number): void {
  let previousEndMs = 0;
  for (let i = 0; i < segments.length; i++) {
    const field = `channels[${channel}][${i}]`;
    const segment = segments[i];
    if (!Array.isArray(segment) || segment.length !== 2 || !Number.isFinite(segment[0]) || !Number.isFinite(segment[1])) {
      throw new VadError('INVALID_PARAMS', `${field} must be a pair of finite numbers [startMs, endMs].`, { field });
    }
    const [startMs, endMs] = segment;
    if (startMs < 0 || endMs > durationMs || startMs >= endMs) {
      throw new VadError('INVALID_PARAMS', `${field} = [${startMs}, ${endMs}] must satisfy 0 ≤ startMs < endMs ≤ durationMs (${durationMs}).`, { field });
    }
    if (startMs < previousEndMs) {
      throw new VadError('INVALID_PARAMS', `${field} starts at ${startMs} ms, before the previous segment ends (${previousEndMs} ms): segments must be sorted and non-overlapping.`, { field });
    }
    previousEndMs = endMs;
  }
}

/**
 * Merges touching segments into maximal speech runs and returns their boundaries flattened as
 * `[start0, end0, start1, end1, …]`, strictly increasing. With touching segments merged, every
 * boundary toggles the channel between silent and speaking, which is what the sweep relies on.
 * Input must have passed `assertValidSegments`.
 */
export function toSpeechRuns(segments: readonly Segment[]): Float64Array {
  const boundaries = new Float64Array(segments.length * 2);
  let length = 0;
  for (const [startMs, endMs] of segments) {
    if (length > 0 && boundaries[length - 1] === startMs) {
      boundaries[length - 1] = endMs;
    } else {
      boundaries[length++] = startMs;
      boundaries[length++] = endMs;
    }
  }
  return boundaries.subarray(0, length);
}
