import { describe, expect, it } from 'vitest';
import type { Cmvn } from './cmvn.js';
import { LfrCmvn } from './lfr-cmvn.js';

const BINS = 80;

function periodicCmvn(): Cmvn {
  const shift = new Float64Array(400);
  const scale = new Float64Array(400);
  for (let d = 0; d < 400; d++) {
    shift[d] = -10 - Math.sin(d % BINS);
    scale[d] = 0.2 + 0.01 * (d % BINS);
  }
  return { shift, scale };
}

/** Spec §5 dimension by dimension: y[d] = (row[clamp(i − 2 + ⌊d/80⌋)][d mod 80] + shift[d]) · scale[d]. */
function reference(rows: Float64Array, rowFrom: number, lastRow: number, modelStart: number, frames: number, cmvn: Cmvn): Float32Array {
  const out = new Float32Array(frames * 400);
  for (let f = 0; f < frames; f++) {
    for (let d = 0; d < 400; d++) {
      const row = Math.min(Math.max(modelStart + f - 2 + Math.floor(d / BINS), 0), lastRow);
      out[f * 400 + d] = (rows[(row - rowFrom) * BINS + (d % BINS)] + cmvn.shift[d]) * cmvn.scale[d];
    }
  }
  return out;
}

describe('LFR + CMVN (spec §5)', () => {
  const cmvn = periodicCmvn();
  const lfr = new LfrCmvn(cmvn);
  const rows = Float64Array.from({ length: 40 * BINS }, (_, i) => Math.sin(i * 0.37) * 12);

  it.each([
    ['the stream start (left clamp)', 0, 0, 39, 10],
    ['the stream end (right clamp)', 0, 39, 30, 10],
    ['a piece whose rows start mid-stream', 100, 1000, 102, 30],
    ['a piece too short for any unclamped frame', 0, 2, 0, 3],
  ])('equals the per-dimension recipe bit for bit at %s', (_, rowFrom, lastRowOffset, modelStartOffset, frames) => {
    const lastRow = rowFrom + Math.min(lastRowOffset, 39);
    const modelStart = rowFrom + modelStartOffset;
    const out = new Float32Array(frames * 400);
    lfr.stack(rows, rowFrom, 40, lastRow, modelStart, frames, out);
    expect(Array.from(out)).toEqual(Array.from(reference(rows, rowFrom, lastRow, modelStart, frames, cmvn)));
  });

  it('rejects an am.mvn whose five stacked copies differ with MODEL_INVALID', () => {
    const broken = periodicCmvn();
    broken.scale[250] += 1e-9;
    expect(() => new LfrCmvn(broken)).toThrow(expect.objectContaining({ code: 'MODEL_INVALID' }));
  });
});
