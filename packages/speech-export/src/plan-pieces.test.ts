import { describe, expect, it } from 'vitest';
import { planPieces } from './plan-pieces.js';

describe('planPieces', () => {
  it('pads both sides, stops at the file ends and at the middle of a pause shorter than twice the padding', () => {
    const segments: [number, number][] = [[50, 1000], [1100, 2000], [2000, 2500], [4000, 4950]];
    expect(planPieces(segments, 5000, 200)).toEqual([
      { segmentIndex: 0, startMs: 0, endMs: 1050 },
      { segmentIndex: 1, startMs: 1050, endMs: 2000 }, // touching segments (a forced cut) get no padding between them
      { segmentIndex: 2, startMs: 2000, endMs: 2700 },
      { segmentIndex: 3, startMs: 3800, endMs: 5000 },
    ]);
  });

  it('without padding the pieces are the segments; a segment past the end is clipped to the file', () => {
    expect(planPieces([[0, 10], [20, 5100]], 5000, 0)).toEqual([
      { segmentIndex: 0, startMs: 0, endMs: 10 },
      { segmentIndex: 1, startMs: 20, endMs: 5000 },
    ]);
    expect(planPieces([], 5000, 100)).toEqual([]);
  });
});
