import type { Segment } from '@vadfleet/vad-core';

/** One stretch of a channel to export: a segment with its padding, in source milliseconds. */
export interface Piece {
  /** Index of the segment in the channel's result. */
  segmentIndex: number;
  startMs: number;
  endMs: number;
}

/**
 * Pads each segment by `padMs` on both sides. Padding stops at the file's ends and, where two segments
 * are closer than twice the padding, at the middle of the pause between them: it never reaches into a
 * neighbour, and no audio is exported twice (a joined track holds every source sample at most once).
 * Segments must be sorted and disjoint (they may touch), as the detector returns them.
 */
export function planPieces(segments: readonly Segment[], durationMs: number, padMs: number): Piece[] {
  const pieces: Piece[] = [];
  for (let i = 0; i < segments.length; i++) {
    const [start, end] = segments[i];
    const lower = i === 0 ? 0 : midpoint(segments[i - 1][1], start);
    const upper = i === segments.length - 1 ? durationMs : midpoint(end, segments[i + 1][0]);
    const startMs = Math.max(start - padMs, lower, 0);
    const endMs = Math.min(end + padMs, upper, durationMs);
    if (endMs > startMs) pieces.push({ segmentIndex: i, startMs, endMs });
  }
  return pieces;
}

const midpoint = (a: number, b: number) => a + Math.floor((b - a) / 2);
