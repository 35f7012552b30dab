/**
 * LFR stacking (m = 5, n = 1, indices clamped to the stream's first and last frame) and CMVN (spec §5),
 * written straight into the float32 model input. am.mvn's 400 shift/scale values are its 80 per-bin
 * values repeated five times (spec §5.2), so every fbank row is normalised once, and an output frame
 * away from the stream edges is one contiguous copy of the normalised rows i−2 .. i+2.
 * The float32 values equal those of normalising each of the 400 dimensions separately.
 */
import { VadError } from '@vadfleet/shared/errors';
import type { Cmvn } from './cmvn.js';
import { NUM_MEL_BINS } from './fbank.js';

const LFR_RADIUS = 2;
const LFR_FRAMES = 2 * LFR_RADIUS + 1;
const LFR_DIM = LFR_FRAMES * NUM_MEL_BINS;

export class LfrCmvn {
  private readonly shift: Float64Array;
  private readonly scale: Float64Array;
  private normalised = new Float32Array(0);

  constructor(cmvn: Cmvn) {
    this.shift = cmvn.shift.slice(0, NUM_MEL_BINS);
    this.scale = cmvn.scale.slice(0, NUM_MEL_BINS);
    for (let d = NUM_MEL_BINS; d < LFR_DIM; d++) {
      if (cmvn.shift[d] !== this.shift[d % NUM_MEL_BINS] || cmvn.scale[d] !== this.scale[d % NUM_MEL_BINS]) {
        throw new VadError('MODEL_INVALID', 'am.mvn does not repeat one 80-value shift/scale for the five stacked frames; run `npm run model:fetch` to restore the model files.');
      }
    }
  }

  /**
   * Writes `frames` model-input frames (400 float32 each) for frames modelStart .. into `out` from index 0.
   * `rows` holds `rowCount` fbank rows (80 values each) for frames rowFrom .., which must cover
   * max(0, modelStart − 2) .. min(lastRow, modelStart + frames + 1); `lastRow` is the stream's last frame
   * as far as it is known (LFR clamps there).
   */
  stack(rows: Float64Array, rowFrom: number, rowCount: number, lastRow: number, modelStart: number, frames: number, out: Float32Array): void {
    if (this.normalised.length < rowCount * NUM_MEL_BINS) this.normalised = new Float32Array(rowCount * NUM_MEL_BINS);
    const norm = this.normalised;
    const { shift, scale } = this;
    for (let r = 0; r < rowCount; r++) {
      const base = r * NUM_MEL_BINS;
      for (let d = 0; d < NUM_MEL_BINS; d++) norm[base + d] = (rows[base + d] + shift[d]) * scale[d];
    }
    for (let f = 0; f < frames; f++) {
      const first = modelStart + f - LFR_RADIUS;
      const dst = f * LFR_DIM;
      if (first >= 0 && first + LFR_FRAMES - 1 <= lastRow) {
        const src = (first - rowFrom) * NUM_MEL_BINS;
        out.set(norm.subarray(src, src + LFR_DIM), dst);
        continue;
      }
      for (let j = 0; j < LFR_FRAMES; j++) {
        const row = Math.min(Math.max(first + j, 0), lastRow);
        const src = (row - rowFrom) * NUM_MEL_BINS;
        out.set(norm.subarray(src, src + NUM_MEL_BINS), dst + j * NUM_MEL_BINS);
      }
    }
  }
}
