/**
 * Power spectrum of a real 512-point frame via one 256-point complex FFT (even/odd packing), float64.
 * Tables are built once; `powerSpectrum` writes into caller-owned buffers and allocates nothing.
 */
export class RealFft512 {
  static readonly SIZE = 512;
  private static readonly HALF = 256;
  private readonly re = new Float64Array(RealFft512.HALF);
  private readonly im = new Float64Array(RealFft512.HALF);
  private readonly bitReverse = new Uint16Array(RealFft512.HALF);
  /** cos/sin of −2πk/256 for the complex stages. */
  private readonly cosHalf = new Float64Array(RealFft512.HALF / 2);
  private readonly sinHalf = new Float64Array(RealFft512.HALF / 2);
  /** cos/sin of −2πk/512 for the real-input split. */
  private readonly cosFull = new Float64Array(RealFft512.HALF);
  private readonly sinFull = new Float64Array(RealFft512.HALF);

  constructor() {
    const n = RealFft512.HALF;
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReverse[i] = r;
    }
    for (let k = 0; k < n / 2; k++) {
      this.cosHalf[k] = Math.cos((-2 * Math.PI * k) / n);
      this.sinHalf[k] = Math.sin((-2 * Math.PI * k) / n);
    }
    for (let k = 0; k < n; k++) {
      this.cosFull[k] = Math.cos((-2 * Math.PI * k) / RealFft512.SIZE);
      this.sinFull[k] = Math.sin((-2 * Math.PI * k) / RealFft512.SIZE);
    }
  }

  /**
   * `input` holds 512 real samples (zero-padded by the caller); writes |X[k]|² for k = 0..255 into `power`
   * (the Nyquist bin is never used by the mel bank, spec §4.2 step 6).
   */
  powerSpectrum(input: Float64Array, power: Float64Array): void {
    const n = RealFft512.HALF;
    const { re, im, bitReverse } = this;
    for (let i = 0; i < n; i++) {
      const j = bitReverse[i];
      re[j] = input[2 * i];
      im[j] = input[2 * i + 1];
    }
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = this.cosHalf[k * step];
          const wi = this.sinHalf[k * step];
          const a = start + k;
          const b = a + half;
          const tr = re[b] * wr - im[b] * wi;
          const ti = re[b] * wi + im[b] * wr;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
    // Z[k] = E[k] + i·O[k] packing: X[k] = (Z[k] + conj Z[n−k])/2 − i·W^k (Z[k] − conj Z[n−k])/2.
    power[0] = (re[0] + im[0]) * (re[0] + im[0]);
    for (let k = 1; k < n; k++) {
      const zr = re[k];
      const zi = im[k];
      const cr = re[n - k];
      const ci = -im[n - k];
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      const dr = 0.5 * (zr - cr);
      const di = 0.5 * (zi - ci);
      // odd part O = −i·D, then rotated by W^k
      const or = di;
      const oi = -dr;
      const wr = this.cosFull[k];
      const wi = this.sinFull[k];
      const xr = er + or * wr - oi * wi;
      const xi = ei + or * wi + oi * wr;
      power[k] = xr * xr + xi * xi;
    }
  }
}
