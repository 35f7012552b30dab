/**
 * AssemblyScript source of the fbank kernel (spec §4), compiled to WebAssembly SIMD by the package build
 * (`asc`, see package.json) into dist/features/fbank-kernel.wasm; fbank.ts is its host.
 *
 * Two frames at once: lane 0 of every f64x2 is frame t, lane 1 frame t + 1. Float64 throughout (radix-4
 * FFT, own vector log), so every value is the scalar float64 recipe up to rounding (within 1e-12 on the
 * example); no lane ever reads the other, so a frame's features do not depend on which frame it was
 * paired with (pieces stay bit-identical).
 * The tables (window, twiddles, mel weights) are computed and written once by the host.
 */

const FRAME_LENGTH: i32 = 400;
const FRAME_SHIFT_BYTES: usize = 160 * 4;
const NUM_MEL_BINS: i32 = 80;
/** Complex FFT size: the 512-point real FFT runs as a 256-point complex one on (even, odd) sample pairs. */
const N: i32 = 256;
/** Complex inputs that carry samples; the rest is the zero padding 400 → 512. */
const DATA_PAIRS: i32 = FRAME_LENGTH / 2;
const PREEMPHASIS: f64 = 0.97;
const LOG_FLOOR: f64 = 1.1920928955078125e-7;
const MAX_MEL_WEIGHTS: i32 = 2 * N;

// Tables, written by the host before the first call.
/** Hamming window, 400 f64. */
export const WINDOW: usize = memory.data(FRAME_LENGTH * 8, 16);
/** Bit reversal of 0..255, i32. */
export const BIT_REVERSE: usize = memory.data(N * 4, 16);
/** W^k, W^2k, W^3k (W = e^(−2πi/4h), as cos, sin) at index h + k, k < h, for the radix-4 passes h = 4, 16, 64. */
export const TWIDDLE: usize = memory.data((N / 2) * 48, 16);
/** (cos, sin) of −2πk/512, k = 0..255, for the real-input split. */
export const SPLIT_TWIDDLE: usize = memory.data(N * 16, 16);
/** First FFT bin of each mel triangle, i32. */
export const MEL_FIRST: usize = memory.data(NUM_MEL_BINS * 4, 16);
/** Triangle b's weights are MEL_WEIGHTS[MEL_OFFSET[b] .. MEL_OFFSET[b + 1]), i32. */
export const MEL_OFFSET: usize = memory.data((NUM_MEL_BINS + 1) * 4, 16);
export const MEL_WEIGHTS: usize = memory.data(MAX_MEL_WEIGHTS * 8, 16);
/** Free memory from here on: the host puts samples and output rows there. */
export const HEAP_BASE: usize = __heap_base;

// Work buffers, one f64x2 (two frames) per entry.
const RE: usize = memory.data(N * 16, 16);
const IM: usize = memory.data(N * 16, 16);
const POWER: usize = memory.data(N * 16, 16);
const MEL: usize = memory.data(NUM_MEL_BINS * 16, 16);

/**
 * Log-mel rows of `count` frames: frame f reads f32 samples at `samples + 640·f` .. +400 and writes 80 f64
 * at `out + 640·f` (bytes; both strides happen to be 640).
 */
export function computeFrames(samples: usize, count: i32, out: usize): void {
  let f: i32 = 0;
  for (; f + 1 < count; f += 2) {
    const a = samples + <usize>f * FRAME_SHIFT_BYTES;
    computePair(a, a + FRAME_SHIFT_BYTES);
    storeRows(out + <usize>f * (NUM_MEL_BINS * 8), out + <usize>(f + 1) * (NUM_MEL_BINS * 8));
  }
  if (f < count) {
    // Odd count: the last frame is paired with itself; lane 1 is discarded.
    const a = samples + <usize>f * FRAME_SHIFT_BYTES;
    computePair(a, a);
    const row = out + <usize>f * (NUM_MEL_BINS * 8);
    for (let b: i32 = 0; b < NUM_MEL_BINS; b++) v128.store64_lane(row + (<usize>b << 3), v128.load(MEL + (<usize>b << 4)), 0);
  }
}

@inline
function sampleAt(a: usize, b: usize, i: i32): v128 {
  const offset = <usize>i << 2;
  return f64x2.promote_low_f32x4(v128.load32_lane(b + offset, v128.load32_zero(a + offset), 1));
}

@inline
function twiddle(table: usize, index: i32): v128 {
  return v128.load64_splat(table + (<usize>index << 4));
}

@inline
function twiddleSin(table: usize, index: i32): v128 {
  return v128.load64_splat(table + (<usize>index << 4) + 8);
}

/** Log-mel energies of the frames at `a` (lane 0) and `b` (lane 1) into MEL. */
function computePair(a: usize, b: usize): void {
  // 1. DC removal. Four partial sums keep the adds from waiting on each other (for int16 samples the
  // sum is exact in float64 in any order).
  let sum0 = f64x2.splat(0), sum1 = sum0, sum2 = sum0, sum3 = sum0;
  for (let i: i32 = 0; i < FRAME_LENGTH; i += 4) {
    sum0 = f64x2.add(sum0, sampleAt(a, b, i));
    sum1 = f64x2.add(sum1, sampleAt(a, b, i + 1));
    sum2 = f64x2.add(sum2, sampleAt(a, b, i + 2));
    sum3 = f64x2.add(sum3, sampleAt(a, b, i + 3));
  }
  const sum = f64x2.add(f64x2.add(sum0, sum1), f64x2.add(sum2, sum3));
  const mean = f64x2.div(sum, f64x2.splat(<f64>FRAME_LENGTH));

  // 2–4. Pre-emphasis against the un-emphasised previous sample (x[0] against itself), window, and the
  // even/odd packing z[n] = x[2n] + i·x[2n+1], stored in bit-reversed order for the DIT FFT.
  const coeff = f64x2.splat(PREEMPHASIS);
  let prev = f64x2.sub(sampleAt(a, b, 0), mean);
  for (let n: i32 = 0; n < DATA_PAIRS; n++) {
    const i = n << 1;
    const slot = <usize>load<i32>(BIT_REVERSE + (<usize>n << 2)) << 4;
    const even = f64x2.sub(sampleAt(a, b, i), mean);
    v128.store(RE + slot, f64x2.mul(f64x2.sub(even, f64x2.mul(coeff, prev)), v128.load64_splat(WINDOW + (<usize>i << 3))));
    const odd = f64x2.sub(sampleAt(a, b, i + 1), mean);
    v128.store(IM + slot, f64x2.mul(f64x2.sub(odd, f64x2.mul(coeff, even)), v128.load64_splat(WINDOW + (<usize>(i + 1) << 3))));
    prev = odd;
  }
  const zero = f64x2.splat(0);
  for (let n: i32 = DATA_PAIRS; n < N; n++) {
    const slot = <usize>load<i32>(BIT_REVERSE + (<usize>n << 2)) << 4;
    v128.store(RE + slot, zero);
    v128.store(IM + slot, zero);
  }

  // 5a. The first two radix-2 stages fused: twiddles 1 and −i need no multiplication.
  for (let p: usize = 0; p < <usize>N * 16; p += 64) {
    const r0 = v128.load(RE + p), r1 = v128.load(RE + p, 16), r2 = v128.load(RE + p, 32), r3 = v128.load(RE + p, 48);
    const i0 = v128.load(IM + p), i1 = v128.load(IM + p, 16), i2 = v128.load(IM + p, 32), i3 = v128.load(IM + p, 48);
    const sr01 = f64x2.add(r0, r1), si01 = f64x2.add(i0, i1), dr01 = f64x2.sub(r0, r1), di01 = f64x2.sub(i0, i1);
    const sr23 = f64x2.add(r2, r3), si23 = f64x2.add(i2, i3), dr23 = f64x2.sub(r2, r3), di23 = f64x2.sub(i2, i3);
    v128.store(RE + p, f64x2.add(sr01, sr23));
    v128.store(IM + p, f64x2.add(si01, si23));
    v128.store(RE + p, f64x2.sub(sr01, sr23), 32);
    v128.store(IM + p, f64x2.sub(si01, si23), 32);
    // −i · d23 = (di23, −dr23)
    v128.store(RE + p, f64x2.add(dr01, di23), 16);
    v128.store(IM + p, f64x2.sub(di01, dr23), 16);
    v128.store(RE + p, f64x2.sub(dr01, di23), 48);
    v128.store(IM + p, f64x2.add(di01, dr23), 48);
  }

  // 5b. Radix-4 passes, each two radix-2 stages (h and 2h) in one sweep: inputs 1, 2, 3 of a butterfly
  // rotated by W^2k, W^k, W^3k (W = e^(−2πi/4h)), then a 4-point butterfly without multiplications.
  for (let h: i32 = 4; h < N; h <<= 2) {
    const quarter = <usize>h << 4;
    const groupStride = quarter << 2;
    for (let k: i32 = 0; k < h; k++) {
      const tw = TWIDDLE + <usize>(h + k) * 48;
      const w1r = v128.load64_splat(tw), w1i = v128.load64_splat(tw, 8);
      const w2r = v128.load64_splat(tw, 16), w2i = v128.load64_splat(tw, 24);
      const w3r = v128.load64_splat(tw, 32), w3i = v128.load64_splat(tw, 40);
      for (let p: usize = <usize>k << 4; p < <usize>N * 16; p += groupStride) {
        const p1 = p + quarter, p2 = p1 + quarter, p3 = p2 + quarter;
        const r0 = v128.load(RE + p), i0 = v128.load(IM + p);
        let xr = v128.load(RE + p1), xi = v128.load(IM + p1);
        const r1 = f64x2.sub(f64x2.mul(xr, w2r), f64x2.mul(xi, w2i)), i1 = f64x2.add(f64x2.mul(xr, w2i), f64x2.mul(xi, w2r));
        xr = v128.load(RE + p2);
        xi = v128.load(IM + p2);
        const r2 = f64x2.sub(f64x2.mul(xr, w1r), f64x2.mul(xi, w1i)), i2 = f64x2.add(f64x2.mul(xr, w1i), f64x2.mul(xi, w1r));
        xr = v128.load(RE + p3);
        xi = v128.load(IM + p3);
        const r3 = f64x2.sub(f64x2.mul(xr, w3r), f64x2.mul(xi, w3i)), i3 = f64x2.add(f64x2.mul(xr, w3i), f64x2.mul(xi, w3r));
        const ar = f64x2.add(r0, r1), ai = f64x2.add(i0, i1), br = f64x2.sub(r0, r1), bi = f64x2.sub(i0, i1);
        const sr = f64x2.add(r2, r3), si = f64x2.add(i2, i3), dr = f64x2.sub(r2, r3), di = f64x2.sub(i2, i3);
        v128.store(RE + p, f64x2.add(ar, sr));
        v128.store(IM + p, f64x2.add(ai, si));
        v128.store(RE + p2, f64x2.sub(ar, sr));
        v128.store(IM + p2, f64x2.sub(ai, si));
        // ∓i·d = (±di, ∓dr)
        v128.store(RE + p1, f64x2.add(br, di));
        v128.store(IM + p1, f64x2.sub(bi, dr));
        v128.store(RE + p3, f64x2.sub(br, di));
        v128.store(IM + p3, f64x2.add(bi, dr));
      }
    }
  }

  // 6. Real spectrum from the packed one: X[k] = E[k] + W^k·O[k] (W = e^(−2πi/512)), with
  // E = (Z[k] + conj Z[N−k])/2 and O = −i·(Z[k] − conj Z[N−k])/2; power |X[k]|², k = 0..255 (Nyquist
  // unused, spec §4.2). Bins k and N − k share E and O up to signs, and W^(N−k) = −conj W^k.
  const re0 = v128.load(RE), im0 = v128.load(IM);
  const dc = f64x2.add(re0, im0);
  v128.store(POWER, f64x2.mul(dc, dc));
  const half = f64x2.splat(0.5);
  for (let k: i32 = 1; k < N / 2; k++) {
    const zr = v128.load(RE + (<usize>k << 4)), zi = v128.load(IM + (<usize>k << 4));
    const mr = v128.load(RE + (<usize>(N - k) << 4)), mi = v128.load(IM + (<usize>(N - k) << 4));
    const er = f64x2.mul(half, f64x2.add(zr, mr)), ei = f64x2.mul(half, f64x2.sub(zi, mi));
    const dr = f64x2.mul(half, f64x2.sub(zr, mr)), di = f64x2.mul(half, f64x2.add(zi, mi));
    const wr = twiddle(SPLIT_TWIDDLE, k), wi = twiddleSin(SPLIT_TWIDDLE, k);
    const rotR = f64x2.add(f64x2.mul(di, wr), f64x2.mul(dr, wi));
    const rotI = f64x2.sub(f64x2.mul(di, wi), f64x2.mul(dr, wr));
    const xr = f64x2.add(er, rotR), xi = f64x2.add(ei, rotI);
    const mirrorR = f64x2.sub(er, rotR), mirrorI = f64x2.sub(rotI, ei);
    v128.store(POWER + (<usize>k << 4), f64x2.add(f64x2.mul(xr, xr), f64x2.mul(xi, xi)));
    v128.store(POWER + (<usize>(N - k) << 4), f64x2.add(f64x2.mul(mirrorR, mirrorR), f64x2.mul(mirrorI, mirrorI)));
  }
  // k = N/2 is its own mirror: X = Re Z − i·Im Z.
  const zr = v128.load(RE + (<usize>(N / 2) << 4)), zi = v128.load(IM + (<usize>(N / 2) << 4));
  v128.store(POWER + (<usize>(N / 2) << 4), f64x2.add(f64x2.mul(zr, zr), f64x2.mul(zi, zi)));

  // 7. Mel energies, floored.
  const logFloor = f64x2.splat(LOG_FLOOR);
  for (let m: i32 = 0; m < NUM_MEL_BINS; m++) {
    const from = load<i32>(MEL_OFFSET + (<usize>m << 2));
    const to = load<i32>(MEL_OFFSET + (<usize>(m + 1) << 2));
    let p = POWER + (<usize>load<i32>(MEL_FIRST + (<usize>m << 2)) << 4);
    let e = f64x2.splat(0);
    for (let j = from; j < to; j++) {
      e = f64x2.add(e, f64x2.mul(v128.load64_splat(MEL_WEIGHTS + (<usize>j << 3)), v128.load(p)));
      p += 16;
    }
    v128.store(MEL + (<usize>m << 4), f64x2.max(e, logFloor));
  }
  // 8. Natural log, two bins per step: the logs are independent, so their long dependency chains overlap.
  for (let q: usize = MEL; q < MEL + NUM_MEL_BINS * 16; q += 32) {
    const a = log(v128.load(q));
    const b = log(v128.load(q, 16));
    v128.store(q, a);
    v128.store(q, b, 16);
  }
}

function storeRows(rowA: usize, rowB: usize): void {
  for (let b: i32 = 0; b < NUM_MEL_BINS; b++) {
    const v = v128.load(MEL + (<usize>b << 4));
    v128.store64_lane(rowA + (<usize>b << 3), v, 0);
    v128.store64_lane(rowB + (<usize>b << 3), v, 1);
  }
}

const SQRT2: f64 = 1.4142135623730951;
const LN2: f64 = 0.6931471805599453;

/**
 * Natural log of positive normal f64 lanes: x = 2^e·m with m in [√½, √2), ln m = 2·atanh(s), s = (m − 1)/(m + 1),
 * |s| ≤ 0.172; the series to s^17 leaves a relative error below 1e-15.
 */
@inline
function log(x: v128): v128 {
  let e = i64x2.sub(i64x2.shr_u(x, 52), i64x2.splat(1023));
  let m = v128.or(v128.and(x, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3ff0000000000000));
  const high = f64x2.gt(m, f64x2.splat(SQRT2));
  m = v128.bitselect(f64x2.mul(m, f64x2.splat(0.5)), m, high);
  e = i64x2.sub(e, high); // the mask is −1 where m was halved
  const exponent = f64x2.convert_low_i32x4_s(i32x4.shuffle(e, e, 0, 2, 0, 2));
  const one = f64x2.splat(1);
  const s = f64x2.div(f64x2.sub(m, one), f64x2.add(m, one));
  const z = f64x2.mul(s, s);
  let series = f64x2.splat(1.0 / 17);
  series = f64x2.add(f64x2.mul(series, z), f64x2.splat(1.0 / 15));
  series = f64x2.add(f64x2.mul(series, z), f64x2.splat(1.0 / 13));
  series = f64x2.add(f64x2.mul(series, z), f64x2.splat(1.0 / 11));
  series = f64x2.add(f64x2.mul(series, z), f64x2.splat(1.0 / 9));
  series = f64x2.add(f64x2.mul(series, z), f64x2.splat(1.0 / 7));
  series = f64x2.add(f64x2.mul(series, z), f64x2.splat(1.0 / 5));
  series = f64x2.add(f64x2.mul(series, z), f64x2.splat(1.0 / 3));
  series = f64x2.add(f64x2.mul(series, z), one);
  const lnM = f64x2.mul(f64x2.mul(s, f64x2.splat(2)), series);
  return f64x2.add(f64x2.mul(exponent, f64x2.splat(LN2)), lnM);
}
