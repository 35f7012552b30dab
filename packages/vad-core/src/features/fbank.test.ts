import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRAME_LENGTH, FRAME_SHIFT, Fbank, NUM_MEL_BINS } from './fbank.js';

/** Spec §4.2–4.3 written out directly: scalar float64, a plain DFT, every table computed anew. */
function referenceFrame(samples: ArrayLike<number>, offset: number): Float64Array {
  const x = new Float64Array(FRAME_LENGTH);
  let sum = 0;
  for (let i = 0; i < FRAME_LENGTH; i++) sum += samples[offset + i];
  for (let i = 0; i < FRAME_LENGTH; i++) x[i] = samples[offset + i] - sum / FRAME_LENGTH;
  for (let i = FRAME_LENGTH - 1; i > 0; i--) x[i] -= 0.97 * x[i - 1];
  x[0] -= 0.97 * x[0];
  for (let i = 0; i < FRAME_LENGTH; i++) x[i] *= 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (FRAME_LENGTH - 1));
  const power = new Float64Array(256);
  for (let k = 0; k < 256; k++) {
    let re = 0;
    let im = 0;
    for (let n = 0; n < FRAME_LENGTH; n++) {
      const angle = (-2 * Math.PI * ((k * n) % 512)) / 512;
      re += x[n] * Math.cos(angle);
      im += x[n] * Math.sin(angle);
    }
    power[k] = re * re + im * im;
  }
  const mel = (hz: number) => 1127 * Math.log(1 + hz / 700);
  const lo = mel(20);
  const delta = (mel(8000) - lo) / 81;
  const out = new Float64Array(NUM_MEL_BINS);
  for (let b = 0; b < NUM_MEL_BINS; b++) {
    const [left, centre, right] = [lo + b * delta, lo + (b + 1) * delta, lo + (b + 2) * delta];
    let e = 0;
    for (let k = 0; k < 256; k++) {
      const m = mel(k * 31.25);
      if (m > left && m < right) e += (m <= centre ? (m - left) / (centre - left) : (right - m) / (right - centre)) * power[k];
    }
    out[b] = Math.log(Math.max(e, 1.1920928955078125e-7));
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Deterministic test signal: speech-like mix of tones and noise, int16 scale. */
function signal(length: number, seed = 1): Float32Array {
  const out = new Float32Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    const noise = (state / 2 ** 32 - 0.5) * 2000;
    out[i] = Math.round(8000 * Math.sin(i * 0.031) + 3000 * Math.sin(i * 0.77 + 1) + noise);
  }
  return out;
}

describe('Fbank kernel (WebAssembly SIMD, float64)', () => {
  const fbank = new Fbank();
  const row = new Float64Array(NUM_MEL_BINS);

  it('matches the spec recipe with a plain DFT to 1e-9 on arbitrary int16 frames', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: FRAME_LENGTH, maxLength: FRAME_LENGTH }), (values) => {
        fbank.computeFrame(Float32Array.from(values), 0, row, 0);
        expect(maxAbsDiff(row, referenceFrame(values, 0))).toBeLessThan(1e-9);
      }),
      { numRuns: 25 },
    );
  });

  it('matches the recipe on tones, a full-scale square wave, a DC offset and near-silence', () => {
    const frames: number[][] = [
      Array.from({ length: FRAME_LENGTH }, (_, i) => Math.round(12000 * Math.sin(i * 0.2))),
      Array.from({ length: FRAME_LENGTH }, (_, i) => (i % 40 < 20 ? 32767 : -32768)),
      Array.from({ length: FRAME_LENGTH }, (_, i) => 5000 + (i % 3)),
      Array.from({ length: FRAME_LENGTH }, (_, i) => (i === 123 ? 1 : 0)),
    ];
    for (const values of frames) {
      fbank.computeFrame(Float32Array.from(values), 0, row, 0);
      expect(maxAbsDiff(row, referenceFrame(values, 0))).toBeLessThan(1e-9);
    }
  });

  it('gives bit-identical rows whether frames are computed alone, paired, or across chunk boundaries', () => {
    const count = 1101; // odd, and more than two kernel chunks
    const samples = signal((count - 1) * FRAME_SHIFT + FRAME_LENGTH + 77);
    const batch = new Float64Array(count * NUM_MEL_BINS);
    fbank.computeFrames(samples, 0, count, batch, 0);
    const shifted = new Float64Array((count - 1) * NUM_MEL_BINS);
    fbank.computeFrames(samples, FRAME_SHIFT, count - 1, shifted, 0); // every frame gets a different partner
    const single = new Float64Array(NUM_MEL_BINS);
    for (const f of [0, 1, 2, 511, 512, 513, 1023, 1024, 1099, 1100]) {
      fbank.computeFrame(samples, f * FRAME_SHIFT, single, 0);
      expect(Array.from(batch.subarray(f * NUM_MEL_BINS, (f + 1) * NUM_MEL_BINS))).toEqual(Array.from(single));
    }
    expect(Array.from(shifted)).toEqual(Array.from(batch.subarray(NUM_MEL_BINS)));
    expect(maxAbsDiff(batch.subarray(700 * NUM_MEL_BINS, 701 * NUM_MEL_BINS), referenceFrame(samples, 700 * FRAME_SHIFT))).toBeLessThan(1e-9);
  });

  it('writes at the requested output offset and leaves the rest alone', () => {
    const samples = signal(FRAME_LENGTH + FRAME_SHIFT);
    const out = new Float64Array(4 * NUM_MEL_BINS).fill(7);
    fbank.computeFrames(samples, 0, 2, out, NUM_MEL_BINS);
    expect(out[0]).toBe(7);
    expect(out[3 * NUM_MEL_BINS]).toBe(7);
    expect(maxAbsDiff(out.subarray(NUM_MEL_BINS, 2 * NUM_MEL_BINS), referenceFrame(samples, 0))).toBeLessThan(1e-9);
  });

  it('refuses frames the samples do not cover', () => {
    expect(() => fbank.computeFrames(new Float32Array(FRAME_LENGTH + FRAME_SHIFT - 1), 0, 2, new Float64Array(160), 0)).toThrow(RangeError);
  });
});
