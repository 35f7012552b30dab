import { describe, expect, it } from 'vitest';
import { resolveVadParams } from '@vadfleet/shared/vad-params';
import { FUNASR_POST_DEFAULTS, applyParams } from './post-config.js';
import { Segmenter } from './segmenter.js';

const SPEECH = 0.01;
const SILENCE = 0.9;

function run(probs: ArrayLike<number>, config = FUNASR_POST_DEFAULTS, chunk = probs.length): [number, number][] {
  const seg = new Segmenter(config);
  const out: [number, number][] = [];
  for (let i = 0; i < probs.length; i++) {
    seg.push(probs[i], 0, i === probs.length - 1);
    if ((i + 1) % chunk === 0) out.push(...seg.takeClosed());
  }
  out.push(...seg.takeClosed(true));
  return out;
}

function timeline(...runs: [number, number][]): Float32Array {
  const total = runs.reduce((n, [len]) => n + len, 0);
  const out = new Float32Array(total);
  let i = 0;
  for (const [len, p] of runs) out.fill(p, i, (i += len));
  return out;
}

describe('segmenter closed forms (spec §11)', () => {
  it('reproduces the worked example: speech in frames 100–199 → [740, 2160]', () => {
    expect(run(timeline([100, SILENCE], [100, SPEECH], [300, SILENCE]))).toEqual([[740, 2160]]);
  });

  it('keeps 16 frames after the last speech frame whatever the end silence', () => {
    for (const maxEndSilenceMs of [500, 800, 1500]) {
      const cfg = applyParams(FUNASR_POST_DEFAULTS, resolveVadParams({ maxEndSilenceMs }));
      expect(run(timeline([100, SILENCE], [100, SPEECH], [400, SILENCE]), cfg)).toEqual([[740, 2160]]);
    }
  });

  it('splits on a pause of ceil((X − 150)/10) − 9 = 56 frames at 800 ms, not on 55', () => {
    const split = run(timeline([100, SILENCE], [100, SPEECH], [56, SILENCE], [100, SPEECH], [300, SILENCE]));
    const joined = run(timeline([100, SILENCE], [100, SPEECH], [55, SILENCE], [100, SPEECH], [300, SILENCE]));
    expect(split).toHaveLength(2);
    expect(joined).toHaveLength(1);
  });

  it('closes a segment still open at the end of input at 10·T', () => {
    expect(run(timeline([100, SILENCE], [200, SPEECH]))).toEqual([[740, 3000]]);
  });

  it('force-splits at max_single_segment_time + 10 ms, the next piece touching', () => {
    const cfg = applyParams(FUNASR_POST_DEFAULTS, resolveVadParams({ maxSegmentMs: 1000 }));
    const segs = run(timeline([100, SILENCE], [300, SPEECH], [200, SILENCE]), cfg);
    expect(segs[0]).toEqual([740, 1750]);
    expect(segs[1][0]).toBe(1750);
  });

  it('outputs nothing for silence and for too little input', () => {
    expect(run(timeline([500, SILENCE]))).toEqual([]);
    expect(run(new Float32Array(0))).toEqual([]);
  });

  it('gives the same segments whatever the chunking of takeClosed', () => {
    const probs = timeline([50, SILENCE], [80, SPEECH], [70, SILENCE], [30, SPEECH], [90, SILENCE], [200, SPEECH], [10, SILENCE]);
    const whole = run(probs);
    for (const chunk of [1, 7, 64]) expect(run(probs, FUNASR_POST_DEFAULTS, chunk)).toEqual(whole);
  });

  it('tight boundaries drop look-back and look-ahead', () => {
    const cfg = applyParams(FUNASR_POST_DEFAULTS, resolveVadParams({ boundaries: 'tight' }));
    const [[start, end]] = run(timeline([100, SILENCE], [100, SPEECH], [300, SILENCE]), cfg);
    expect(start).toBeGreaterThan(740);
    expect(end).toBeLessThan(2160);
  });
});
