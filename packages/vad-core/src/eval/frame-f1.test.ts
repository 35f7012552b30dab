import { describe, expect, it } from 'vitest';
import { f1, falseAlarmRate, frameCounts } from './frame-f1.js';

describe('frame F1 with a collar', () => {
  it('perfect prediction scores 1; frames near truth boundaries are not scored', () => {
    expect(f1(frameCounts([[1000, 2000]], [[1000, 2000]], 3000, 200))).toBe(1);
    // Off by 150 ms at both ends: inside the collar, still perfect.
    expect(f1(frameCounts([[1000, 2000]], [[850, 2150]], 3000, 200))).toBe(1);
  });

  it('counts misses and false alarms outside the collar', () => {
    const c = frameCounts([[1000, 2000]], [[1000, 1500], [2500, 2800]], 3000, 200);
    // Missed: 1500..1800 (30 frames); false alarm: 2500..2800 (30 frames); hits: 1200..1500 (30 frames).
    expect(c).toEqual({ tp: 30, fp: 30, fn: 30, tn: 3000 / 10 - 40 - 40 - 90 });
    expect(f1(c)).toBeCloseTo(0.5);
    expect(falseAlarmRate(c)).toBeCloseTo(30 / (30 + c.tn));
  });

  it('no truth and no prediction is a perfect score', () => {
    expect(f1(frameCounts([], [], 1000, 200))).toBe(1);
  });
});
