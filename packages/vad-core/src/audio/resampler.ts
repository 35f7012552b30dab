/**
 * Streaming polyphase FIR resampler to 16 kHz, or another integer output rate (speech export at 8 kHz),
 * from any integer input rate; Kaiser-windowed sinc prototype.
 *
 * Output sample n is the band-limited input evaluated at time n/outRate s: the prototype is centred on the
 * output instant, so there is no group delay to compensate and segments do not shift. Positions are kept
 * as integers (`base` = floor(n·M/L), `phase` = n·M mod L), so the output is bit-identical whatever the
 * input block split. Samples before the start and after the end of the stream count as zeros.
 *
 * Two paths:
 * - 8 kHz (L/M = 2/1): a half-band filter. Even outputs are the input samples themselves (the only
 *   non-zero even tap is the centre, exactly 1); odd outputs use the odd taps, folded by symmetry.
 * - any other rate: general rational L/M, one table of K taps per phase, cached per (L, M).
 *
 * Design (see README.md for measured numbers): passband to 0.9 × the lower Nyquist frequency, stopband
 * from the lower Nyquist frequency (half-band: from 1.1 × 4 kHz, the images of 0..3.6 kHz), 90 dB
 * Kaiser target. Total output length = round(inputLength × outRate / inRate), halves rounded up.
 */

export const OUTPUT_RATE = 16000;

const STOPBAND_DB = 90;
/** Passband edge as a fraction of the lower Nyquist frequency. */
const PASSBAND_FRACTION = 0.9;

interface PolyphaseTable {
  /** Taps per phase (even). */
  taps: number;
  /** `phases × taps` coefficients: entry [p·taps + m] weighs input sample base − taps/2 + 1 + m. */
  coefficients: Float32Array;
}

const tableCache = new Map<string, PolyphaseTable>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (power series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * Kaiser-windowed sinc prototype at rate L·inRate, sampled per phase. Each phase is normalised to unit DC
 * gain, so a constant input gives a constant output whatever the phase.
 */
function designTable(up: number, down: number, cutoffOverInRate: number, transitionOverInRate: number): PolyphaseTable {
  const key = `${up}/${down}`;
  const cached = tableCache.get(key);
  if (cached) return cached;

  const beta = 0.1102 * (STOPBAND_DB - 8.7);
  // Kaiser's length estimate, in input samples (= taps per phase).
  const lengthIn = (STOPBAND_DB - 7.95) / (2.285 * 2 * Math.PI * transitionOverInRate);
  const half = Math.max(2, Math.ceil(lengthIn / 2));
  const taps = 2 * half;
  const support = half * up; // |i| < support, i in prototype samples
  const i0Beta = besselI0(beta);
  const coefficients = new Float32Array(up * taps);
  const fc = cutoffOverInRate / up; // cutoff in cycles per prototype sample
  const row = new Float64Array(taps);
  for (let p = 0; p < up; p++) {
    let sum = 0;
    for (let m = 0; m < taps; m++) {
      const i = p + (half - 1 - m) * up;
      const r = i / support;
      const window = r * r >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
      const x = 2 * fc * i;
      const sinc = i === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      row[m] = 2 * fc * up * sinc * window;
      sum += row[m];
    }
    for (let m = 0; m < taps; m++) coefficients[p * taps + m] = row[m] / sum;
  }
  const table = { taps, coefficients };
  tableCache.set(key, table);
  return table;
}

export class StreamingResampler {
  readonly inRate: number;
  readonly outRate: number;
  /** Interpolation factor L and decimation factor M, L/M = outRate/inRate in lowest terms. */
  readonly up: number;
  readonly down: number;
  /** Taps per output sample (input samples weighed by each output). */
  readonly taps: number;

  private readonly halfBand: boolean;
  private readonly coefficients: Float32Array;
  /** Half-band: the odd-phase taps of one side, nearest first. */
  private readonly foldedTaps: Float64Array;
  private readonly half: number;

  private history: Float32Array;
  /** Absolute input index of history[0], and how many history entries are valid. */
  private historyStart: number;
  private historyLength: number;
  private output = new Float32Array(4096);

  private base: number;
  private phase = 0;
  private produced = 0;
  private consumed = 0;
  private flushed = false;

  constructor(inRate: number, outRate: number = OUTPUT_RATE) {
    if (!Number.isInteger(inRate) || inRate < 1) throw new RangeError(`input rate must be a positive integer, got ${inRate}`);
    if (!Number.isInteger(outRate) || outRate < 1) throw new RangeError(`output rate must be a positive integer, got ${outRate}`);
    this.inRate = inRate;
    this.outRate = outRate;
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    const lowerNyquist = Math.min(inRate, outRate) / 2;
    this.halfBand = this.up === 2 && this.down === 1;
    // Half-band: cutoff exactly at 4 kHz, transition 3.6..4.4 kHz (symmetric, which zeroes the even taps).
    const cutoff = this.halfBand ? lowerNyquist : ((1 + PASSBAND_FRACTION) / 2) * lowerNyquist;
    const transition = (this.halfBand ? 2 : 1) * (1 - PASSBAND_FRACTION) * lowerNyquist;
    const table = designTable(this.up, this.down, cutoff / inRate, transition / inRate);
    this.taps = table.taps;
    this.half = table.taps / 2;
    this.coefficients = table.coefficients;
    this.foldedTaps = new Float64Array(this.halfBand ? this.half : 0);
    if (this.halfBand) {
      // Odd phase, m = half−1−j ↔ offset 1+2j (nearest taps first); fold pairs m, taps−1−m.
      for (let j = 0; j < this.half; j++) this.foldedTaps[j] = this.coefficients[this.taps + this.half - 1 - j];
    }
    this.history = new Float32Array(Math.max(8192, 4 * this.taps));
    // Zeros for the samples before the stream start that the first outputs reach.
    this.historyStart = -this.half;
    this.historyLength = this.half;
    this.base = 0;
  }

  /** Total output length for `inputLength` input samples: round(inputLength × outRate / inRate), half up. */
  static outputLength(inputLength: number, inRate: number, outRate: number = OUTPUT_RATE): number {
    const g = gcd(inRate, outRate);
    const up = outRate / g;
    const down = inRate / g;
    return Math.floor((2 * inputLength * up + down) / (2 * down));
  }

  /**
   * Feeds input samples; returns the output samples that became computable. The returned array is a view
   * into an internal buffer, valid until the next call.
   */
  push(input: Float32Array): Float32Array {
    if (this.flushed) throw new Error('StreamingResampler: push after flush');
    this.append(input, input.length);
    this.consumed += input.length;
    return this.produce(Infinity);
  }

  /** Ends the stream: pads with zeros and returns the remaining outputs. */
  flush(): Float32Array {
    if (this.flushed) return this.output.subarray(0, 0);
    this.flushed = true;
    this.append(null, this.half);
    const total = StreamingResampler.outputLength(this.consumed, this.inRate, this.outRate);
    return this.produce(total - this.produced);
  }

  /** Appends `count` samples of `input` (zeros when null), compacting or growing the history as needed. */
  private append(input: Float32Array | null, count: number): void {
    if (this.historyLength + count > this.history.length) {
      // Drop samples no future output needs: those before base − half + 1.
      const drop = Math.max(0, Math.min(this.historyLength, this.base - this.half + 1 - this.historyStart));
      this.history.copyWithin(0, drop, this.historyLength);
      this.historyLength -= drop;
      this.historyStart += drop;
      if (this.historyLength + count > this.history.length) {
        const grown = new Float32Array(Math.max(2 * this.history.length, this.historyLength + count));
        grown.set(this.history.subarray(0, this.historyLength));
        this.history = grown;
      }
    }
    if (input) this.history.set(input, this.historyLength);
    else this.history.fill(0, this.historyLength, this.historyLength + count);
    this.historyLength += count;
  }

  private produce(limit: number): Float32Array {
    const available = this.historyStart + this.historyLength; // one past the last absolute input index held
    const maxOut = Math.min(limit, Math.ceil(((available - this.base + 1) * this.up) / this.down) + 1);
    if (maxOut > this.output.length) this.output = new Float32Array(Math.max(maxOut, 2 * this.output.length));
    const out = this.output;
    const hist = this.history;
    const coef = this.coefficients;
    const folded = this.foldedTaps;
    const { taps, half, up, down, halfBand } = this;
    let { base, phase } = this;
    let n = 0;
    while (n < limit && base + half < available) {
      const first = base - half + 1 - this.historyStart;
      let acc = 0;
      if (halfBand) {
        if (phase === 0) {
          acc = hist[first + half - 1];
        } else {
          // Pair j: inputs base − j and base + 1 + j.
          const centre = first + half - 1;
          for (let j = 0; j < half; j++) acc += folded[j] * (hist[centre - j] + hist[centre + 1 + j]);
        }
      } else {
        // Four partial sums break the add dependency chain; the order is fixed, so results stay bit-identical.
        const row = phase * taps;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        let m = 0;
        for (; m + 3 < taps; m += 4) {
          a0 += hist[first + m] * coef[row + m];
          a1 += hist[first + m + 1] * coef[row + m + 1];
          a2 += hist[first + m + 2] * coef[row + m + 2];
          a3 += hist[first + m + 3] * coef[row + m + 3];
        }
        for (; m < taps; m++) a0 += hist[first + m] * coef[row + m];
        acc = a0 + a1 + (a2 + a3);
      }
      out[n++] = acc;
      phase += down;
      if (phase >= up) {
        const q = (phase / up) | 0;
        base += q;
        phase -= q * up;
      }
    }
    this.base = base;
    this.phase = phase;
    this.produced += n;
    return out.subarray(0, n);
  }
}
