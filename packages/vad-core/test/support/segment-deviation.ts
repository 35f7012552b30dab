/** How far a segment list is from a reference one. */

export type Seg = readonly [number, number] | readonly number[];

export interface Deviation {
  /** Both lists have the same number of segments. */
  sameCount: boolean;
  /**
   * Largest boundary difference in ms: pairwise when the counts agree; otherwise, over the reference's
   * boundaries, the distance to the nearest result boundary of the same kind (start/end), so that the
   * extra boundaries of a split segment do not count (they show in the segment count).
   */
  maxMs: number;
  /** Every reference segment overlaps some segment of the result. */
  everyReferenceCovered: boolean;
}

function nearest(value: number, candidates: number[]): number {
  let best = Infinity;
  for (const c of candidates) best = Math.min(best, Math.abs(c - value));
  return best;
}

export function deviation(actual: Seg[], reference: Seg[], shiftMs = 0): Deviation {
  const moved = actual.map(([s, e]) => [s - shiftMs, e - shiftMs]);
  const sameCount = moved.length === reference.length;
  let maxMs = 0;
  if (sameCount) {
    moved.forEach(([s, e], i) => (maxMs = Math.max(maxMs, Math.abs(s - reference[i][0]), Math.abs(e - reference[i][1]))));
  } else {
    for (const k of [0, 1]) {
      const a = moved.map((x) => x[k]);
      for (const r of reference) maxMs = Math.max(maxMs, nearest(r[k], a));
    }
  }
  const everyReferenceCovered = reference.every(([s, e]) => moved.some(([a, b]) => a < e && b > s));
  return { sameCount, maxMs, everyReferenceCovered };
}
