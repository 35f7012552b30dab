/** One piece of a joined track: where it starts in the track and in the source, and how long it is. */
export interface TimeMapEntry {
  outStartMs: number;
  srcStartMs: number;
  durationMs: number;
}

/**
 * Source time of a time in a joined track. A time inside an inserted gap (or past the end) maps to the end
 * of the piece before it, and says so: no source audio was there.
 */
export function joinedToSource(map: readonly TimeMapEntry[], outMs: number): { srcMs: number; inGap: boolean } {
  const i = lastStartingAtOrBefore(map, outMs, (e) => e.outStartMs);
  if (i < 0) return { srcMs: map.length > 0 ? map[0].srcStartMs : 0, inGap: true };
  const e = map[i];
  const offset = outMs - e.outStartMs;
  if (offset < e.durationMs) return { srcMs: e.srcStartMs + offset, inGap: false };
  return { srcMs: e.srcStartMs + e.durationMs, inGap: true };
}

/** Joined-track time of a source time, or null when that source time was not exported. */
export function sourceToJoined(map: readonly TimeMapEntry[], srcMs: number): number | null {
  const i = lastStartingAtOrBefore(map, srcMs, (e) => e.srcStartMs);
  if (i < 0) return null;
  const e = map[i];
  const offset = srcMs - e.srcStartMs;
  return offset < e.durationMs ? e.outStartMs + offset : null;
}

/** Binary search over entries sorted by `key`: the last one with key ≤ t, or −1. */
function lastStartingAtOrBefore(map: readonly TimeMapEntry[], t: number, key: (e: TimeMapEntry) => number): number {
  let lo = 0;
  let hi = map.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (key(map[mid]) <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
