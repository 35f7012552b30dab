/**
 * A deliberately simple, slow, high-quality reference resampler for tests: Kaiser-windowed sinc
 * (β = 10, ≈ 100 dB), evaluated exactly for each of the L output phases of a rational ratio L/M.
 * Independent of the library's polyphase resampler, which it is used to test.
 */

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 100; k++) {
    term *= (x * x) / (4 * k * k);
    sum += term;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export interface ResampleOptions {
  /** Low-pass cutoff as a fraction of the lower Nyquist frequency (default 0.95). */
  cutoff?: number;
  /** Kernel half-width in input samples at the cutoff's zero-crossing spacing (default 40 zero crossings). */
  zeroCrossings?: number;
}

/** `x` (any scale) at `inRate` → `round(N·outRate/inRate)` samples at `outRate`; output n is x at time n/outRate. */
export function resample(x: ArrayLike<number>, inRate: number, outRate: number, opts: ResampleOptions = {}): Float64Array {
  const g = gcd(inRate, outRate);
  const up = outRate / g; // output n sits at input position n·down/up
  const down = inRate / g;
  const fc = ((opts.cutoff ?? 0.95) * Math.min(inRate, outRate)) / 2 / inRate; // cycles per input sample
  const half = Math.ceil((opts.zeroCrossings ?? 40) / (2 * fc)); // input samples each side
  const beta = 10;
  const norm = besselI0(beta);
  const taps = 2 * half;
  // Phase p = fractional position p/up; tap k weighs input floor(pos) − half + 1 + k.
  const table = new Float64Array(up * taps);
  for (let p = 0; p < up; p++) {
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const t = k - half + 1 - p / up; // input index minus position
      const r = t / (half + 1);
      const w = Math.abs(r) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / norm;
      const s = t === 0 ? 1 : Math.sin(2 * Math.PI * fc * t) / (2 * Math.PI * fc * t);
      table[p * taps + k] = 2 * fc * s * w;
      sum += table[p * taps + k];
    }
    for (let k = 0; k < taps; k++) table[p * taps + k] /= sum; // unit DC gain per phase
  }
  const n = Math.round((x.length * outRate) / inRate);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = Math.floor((i * down) / up);
    const phase = (i * down) % up;
    const first = base - half + 1;
    const row = phase * taps;
    let acc = 0;
    const from = Math.max(0, -first);
    const to = Math.min(taps, x.length - first);
    for (let k = from; k < to; k++) acc += x[first + k] * table[row + k];
    y[i] = acc;
  }
  return y;
}

/** Rounds to int16, clipping. */
export function toInt16(x: ArrayLike<number>): Int16Array {
  return Int16Array.from({ length: x.length }, (_, i) => Math.max(-32768, Math.min(32767, Math.round(x[i]))));
}
