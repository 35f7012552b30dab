import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StreamingResampler } from './resampler.js';
import { concatSamples } from './testing/concat.js';

/** Resamples a whole signal, fed in blocks of the given sizes (cycled). */
function resampleAll(input: Float32Array, inRate: number, blockSizes: number[] = [4096]): Float32Array {
  const r = new StreamingResampler(inRate);
  const parts: Float32Array[] = [];
  let pos = 0;
  let i = 0;
  while (pos < input.length) {
    const size = Math.max(1, blockSizes[i++ % blockSizes.length]);
    parts.push(r.push(input.subarray(pos, pos + size)).slice());
    pos += size;
  }
  parts.push(r.flush().slice());
  return concatSamples(parts);
}

function sine(rate: number, freq: number, seconds: number, amplitude: number): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let k = 0; k < x.length; k++) x[k] = amplitude * Math.sin((2 * Math.PI * freq * k) / rate);
  return x;
}

/**
 * Least-squares fit of a·sin + b·cos at `freq` over the middle of y (edges skipped), returning the fitted
 * amplitude and the RMS of what the fit does not explain (aliases, images, ripple of the fit itself).
 */
function fitSine(y: Float32Array, freq: number, skip: number): { amplitude: number; residualRms: number } {
  const w = (2 * Math.PI * freq) / 16000;
  let ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
  for (let n = skip; n < y.length - skip; n++) {
    const s = Math.sin(w * n), c = Math.cos(w * n);
    ss += s * s; cc += c * c; sc += s * c; ys += y[n] * s; yc += y[n] * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  let res = 0;
  for (let n = skip; n < y.length - skip; n++) {
    const e = y[n] - a * Math.sin(w * n) - b * Math.cos(w * n);
    res += e * e;
  }
  return { amplitude: Math.hypot(a, b), residualRms: Math.sqrt(res / (y.length - 2 * skip)) };
}

function rms(y: Float32Array, skip: number): number {
  let s = 0;
  for (let n = skip; n < y.length - skip; n++) s += y[n] * y[n];
  return Math.sqrt(s / (y.length - 2 * skip));
}

const RATES = [8000, 11025, 12000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000];
const A = 10000;

/** Passband: gain (dB) of sines up to 0.9 × the lower Nyquist; spurious: level (dB re A) of everything else. */
function measurePassband(inRate: number) {
  const nyq = Math.min(inRate, 16000) / 2;
  let minDb = Infinity, maxDb = -Infinity, worstSpuriousDb = -Infinity;
  for (let k = 1; k <= 30; k++) {
    const f = (0.9 * nyq * k) / 30;
    const y = resampleAll(sine(inRate, f, 0.3, A), inRate);
    const { amplitude, residualRms } = fitSine(y, f, 600);
    const db = 20 * Math.log10(amplitude / A);
    minDb = Math.min(minDb, db);
    maxDb = Math.max(maxDb, db);
    worstSpuriousDb = Math.max(worstSpuriousDb, 20 * Math.log10((residualRms * Math.SQRT2) / A));
  }
  return { rippleDb: maxDb - minDb, minDb, maxDb, worstSpuriousDb };
}

/** Stopband of a downsampler: output level (dB re input) of sines from the lower Nyquist to the input Nyquist. */
function measureStopband(inRate: number) {
  let worstDb = -Infinity;
  for (let k = 0; k <= 30; k++) {
    const f = 8000 + ((inRate / 2 - 8000) * k) / 30.5;
    const y = resampleAll(sine(inRate, f, 0.3, A), inRate);
    worstDb = Math.max(worstDb, 20 * Math.log10((rms(y, 600) * Math.SQRT2) / A));
  }
  return worstDb;
}

describe('StreamingResampler: measured response (numbers documented in README.md)', () => {
  for (const inRate of RATES) {
    it(`${inRate} Hz → 16 kHz: passband ripple < 0.001 dB, everything else < −95 dB`, () => {
      const m = measurePassband(inRate);
      expect(m.rippleDb).toBeLessThan(0.001);
      expect(Math.max(-m.minDb, m.maxDb)).toBeLessThan(0.001);
      expect(m.worstSpuriousDb).toBeLessThan(-95);
    });
  }
  for (const inRate of [22050, 24000, 32000, 44100, 48000]) {
    it(`${inRate} Hz → 16 kHz: stopband (8 kHz .. ${inRate / 2} Hz) < −90 dB`, () => {
      expect(measureStopband(inRate)).toBeLessThan(-90);
    });
  }
});

describe('StreamingResampler: streaming contract', () => {
  it('8 kHz → 16 kHz passes input samples through unchanged at even outputs', () => {
    const x = new Float32Array(1000).map((_, i) => ((i * 7919) % 65536) - 32768);
    const y = resampleAll(x, 8000, [37]);
    expect(y.length).toBe(2000);
    for (let i = 0; i < x.length; i++) expect(y[2 * i]).toBe(x[i]);
  });

  it('has zero delay: a 16 kHz-equivalent click stays where it was', () => {
    for (const inRate of [8000, 44100, 48000, 12000]) {
      const x = new Float32Array(inRate / 10);
      const k = inRate / 20; // 50 ms
      x[k] = 1000;
      x[k + 1] = 1000;
      const y = resampleAll(x, inRate);
      let peak = 0;
      for (let n = 1; n < y.length; n++) if (y[n] > y[peak]) peak = n;
      expect(Math.abs(peak - 800 - 8000 / inRate)).toBeLessThanOrEqual(1);
    }
  });

  it('total length is round(n × 16000 / inRate), halves rounded up', () => {
    const cases: Array<[number, number, number]> = [
      [8000, 1, 2], [8000, 0, 0], [44100, 1, 0], [44100, 3, 1], [44100, 441, 160], [44100, 44100, 16000],
      [48000, 1, 0], [48000, 2, 1], [48000, 4, 1], [48000, 5, 2], [11025, 1, 1], [22050, 1, 1], [22050, 3, 2],
      [12000, 3, 4], [32000, 1, 1], [24000, 4, 3],
    ];
    for (const [rate, n, expected] of cases) {
      expect(StreamingResampler.outputLength(n, rate)).toBe(expected);
      expect(resampleAll(new Float32Array(n).fill(100), rate, [1]).length).toBe(expected);
    }
  });

  it('output is bit-identical whatever the input block split', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(8000, 11025, 22050, 44100, 48000, 12345),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 20000 }),
        (rate, splits, length) => {
          const x = new Float32Array(length).map((_, i) => Math.round(20000 * Math.sin(i * 0.37) * Math.cos(i * 0.011)));
          const whole = resampleAll(x, rate, [length || 1]);
          const split = resampleAll(x, rate, splits);
          expect(split).toEqual(whole);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps a constant exactly flat away from the edges (per-phase unit DC gain)', () => {
    const y = resampleAll(new Float32Array(44100).fill(1234), 44100);
    for (let n = 400; n < y.length - 400; n++) expect(Math.abs(y[n] - 1234)).toBeLessThan(1e-3);
  });
});
