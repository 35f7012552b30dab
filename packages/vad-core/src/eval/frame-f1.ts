/**
 * Frame-level scoring of speech segments against known truth (10 ms frames): a frame is speech when its
 * centre lies inside a segment. Frames within `collarMs` of a truth boundary are not scored, since where
 * exactly speech starts and ends is a matter of convention (padding, breath, fade).
 */
export type Interval = [startMs: number, endMs: number];

export interface FrameCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export const FRAME_MS = 10;

function mask(intervals: readonly Interval[], frames: number): Uint8Array {
  const m = new Uint8Array(frames);
  for (const [a, b] of intervals) {
    // Frame i's centre is at 10i + 5 ms.
    const from = Math.max(0, Math.ceil((a - FRAME_MS / 2) / FRAME_MS));
    const to = Math.min(frames, Math.ceil((b - FRAME_MS / 2) / FRAME_MS));
    m.fill(1, from, Math.max(from, to));
  }
  return m;
}

export function frameCounts(truth: readonly Interval[], predicted: readonly Interval[], durationMs: number, collarMs: number): FrameCounts {
  const frames = Math.ceil(durationMs / FRAME_MS);
  const t = mask(truth, frames);
  const p = mask(predicted, frames);
  const scored = new Uint8Array(frames).fill(1);
  for (const [a, b] of truth) {
    for (const edge of [a, b]) {
      const from = Math.max(0, Math.floor((edge - collarMs) / FRAME_MS));
      const to = Math.min(frames, Math.ceil((edge + collarMs) / FRAME_MS));
      scored.fill(0, from, Math.max(from, to));
    }
  }
  const c: FrameCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = 0; i < frames; i++) {
    if (!scored[i]) continue;
    if (t[i] && p[i]) c.tp++;
    else if (p[i]) c.fp++;
    else if (t[i]) c.fn++;
    else c.tn++;
  }
  return c;
}

export function addCounts(a: FrameCounts, b: FrameCounts): FrameCounts {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn, tn: a.tn + b.tn };
}

/** Micro F1 of summed counts (1 when there is no speech and none was found). */
export function f1(c: FrameCounts): number {
  return c.tp + c.fp + c.fn === 0 ? 1 : (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
}

/** Share of scored non-speech frames called speech. */
export function falseAlarmRate(c: FrameCounts): number {
  return c.fp + c.tn === 0 ? 0 : c.fp / (c.fp + c.tn);
}
