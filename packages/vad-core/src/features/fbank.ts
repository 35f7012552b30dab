/**
 * Kaldi `compute-fbank-feats` as FunASR configures it (spec §4): 25 ms frames every 10 ms at 16 kHz,
 * DC removal, pre-emphasis 0.97, symmetric Hamming window, 512-point FFT, 80 unnormalised HTK-mel
 * triangles over 20 Hz..8 kHz, natural log floored at FLT_EPSILON. No dither, snip edges.
 * Float64 throughout (spec §15.1: conforms, and stays within 2e-4 of kaldi-native-fbank).
 */
import { RealFft512 } from './real-fft.js';

export const SAMPLE_RATE = 16_000;
export const FRAME_LENGTH = 400;
export const FRAME_SHIFT = 160;
export const NUM_MEL_BINS = 80;
const NUM_FFT_BINS = 256;
const PREEMPHASIS = 0.97;
const LOG_FLOOR = 1.1920928955078125e-7;
const LOW_FREQ_HZ = 20;

/** Number of whole frames in `sampleCount` samples (spec §4.1). */
export function frameCount(sampleCount: number): number {
  return sampleCount < FRAME_LENGTH ? 0 : 1 + Math.floor((sampleCount - FRAME_LENGTH) / FRAME_SHIFT);
}

const melOf = (hz: number): number => 1127 * Math.log(1 + hz / 700);

/** Sparse mel bank: filter b covers FFT bins start[b] .. start[b] + weights[b].length − 1. */
interface MelBank {
  start: Int32Array;
  weights: Float64Array[];
}

function buildMelBank(): MelBank {
  const melLow = melOf(LOW_FREQ_HZ);
  const melHigh = melOf(SAMPLE_RATE / 2);
  const delta = (melHigh - melLow) / (NUM_MEL_BINS + 1);
  const binMel = new Float64Array(NUM_FFT_BINS);
  for (let k = 0; k < NUM_FFT_BINS; k++) binMel[k] = melOf((k * SAMPLE_RATE) / (2 * NUM_FFT_BINS));
  const start = new Int32Array(NUM_MEL_BINS);
  const weights: Float64Array[] = [];
  for (let b = 0; b < NUM_MEL_BINS; b++) {
    const left = melLow + b * delta;
    const centre = melLow + (b + 1) * delta;
    const right = melLow + (b + 2) * delta;
    const w: number[] = [];
    let first = -1;
    for (let k = 0; k < NUM_FFT_BINS; k++) {
      const m = binMel[k];
      if (m > left && m < right) {
        if (first < 0) first = k;
        w.push(m <= centre ? (m - left) / (centre - left) : (right - m) / (right - centre));
      }
    }
    start[b] = first;
    weights.push(Float64Array.from(w));
  }
  return { start, weights };
}

export class Fbank {
  private readonly fft = new RealFft512();
  private readonly window = new Float64Array(FRAME_LENGTH);
  private readonly frame = new Float64Array(RealFft512.SIZE);
  private readonly power = new Float64Array(NUM_FFT_BINS);
  private readonly mel = buildMelBank();

  constructor() {
    const a = (2 * Math.PI) / (FRAME_LENGTH - 1);
    for (let i = 0; i < FRAME_LENGTH; i++) this.window[i] = 0.54 - 0.46 * Math.cos(a * i);
  }

  /** Writes the 80 log-mel energies of the frame starting at `samples[offset]` into `out[outOffset..+80)`. */
  computeFrame(samples: Float32Array, offset: number, out: Float64Array, outOffset: number): void {
    const x = this.frame;
    let sum = 0;
    for (let i = 0; i < FRAME_LENGTH; i++) {
      const v = samples[offset + i];
      x[i] = v;
      sum += v;
    }
    const mean = sum / FRAME_LENGTH;
    for (let i = 0; i < FRAME_LENGTH; i++) x[i] -= mean;
    // Backwards so each step uses the un-emphasised previous sample; x[0] is emphasised against itself.
    for (let i = FRAME_LENGTH - 1; i > 0; i--) x[i] -= PREEMPHASIS * x[i - 1];
    x[0] -= PREEMPHASIS * x[0];
    for (let i = 0; i < FRAME_LENGTH; i++) x[i] *= this.window[i];
    x.fill(0, FRAME_LENGTH);
    this.fft.powerSpectrum(x, this.power);
    const { start, weights } = this.mel;
    for (let b = 0; b < NUM_MEL_BINS; b++) {
      const w = weights[b];
      const k0 = start[b];
      let e = 0;
      for (let j = 0; j < w.length; j++) e += w[j] * this.power[k0 + j];
      out[outOffset + b] = Math.log(e > LOG_FLOOR ? e : LOG_FLOOR);
    }
  }
}

/** Frame energy in dB over the same 400 samples, samples in [−1, 1) scale (spec §8). */
export function frameDb(samples: Float32Array, offset: number): number {
  let sum = 0;
  for (let i = 0; i < FRAME_LENGTH; i++) {
    const v = samples[offset + i] / 32768;
    sum += v * v;
  }
  return 10 * Math.log10(sum + 1e-6);
}
