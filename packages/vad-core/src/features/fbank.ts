/**
 * Kaldi `compute-fbank-feats` as FunASR configures it (spec §4): 25 ms frames every 10 ms at 16 kHz,
 * DC removal, pre-emphasis 0.97, symmetric Hamming window, 512-point FFT, 80 unnormalised HTK-mel
 * triangles over 20 Hz..8 kHz, natural log floored at FLT_EPSILON. No dither, snip edges.
 * Float64 throughout (spec §15.1), computed by a WebAssembly SIMD kernel (wasm/fbank-kernel.ts, two
 * frames per vector); this module builds its tables once and moves samples in and rows out.
 */
import { existsSync, readFileSync } from 'node:fs';
import { VadError } from '@vadfleet/shared/errors';

export const SAMPLE_RATE = 16_000;
export const FRAME_LENGTH = 400;
export const FRAME_SHIFT = 160;
/** One frame every 10 ms. */
export const FRAME_MS = (FRAME_SHIFT * 1000) / SAMPLE_RATE;
export const SAMPLES_PER_MS = SAMPLE_RATE / 1000;
export const NUM_MEL_BINS = 80;
const FFT_SIZE = 512;
const NUM_FFT_BINS = FFT_SIZE / 2;
const LOW_FREQ_HZ = 20;
/** Frames per kernel call: bounds the kernel's memory (~0.7 MB) whatever the piece length. */
const CHUNK_FRAMES = 512;
const CHUNK_SAMPLES = (CHUNK_FRAMES - 1) * FRAME_SHIFT + FRAME_LENGTH;
const KERNEL_FILE = 'fbank-kernel.wasm';

/** Number of whole frames in `sampleCount` samples (spec §4.1). */
export function frameCount(sampleCount: number): number {
  return sampleCount < FRAME_LENGTH ? 0 : 1 + Math.floor((sampleCount - FRAME_LENGTH) / FRAME_SHIFT);
}

const melOf = (hz: number): number => 1127 * Math.log(1 + hz / 700);

/** Sparse mel bank: triangle b weighs FFT bins first[b] .. with weights[offset[b] .. offset[b + 1]). */
interface MelBank {
  first: Int32Array;
  offset: Int32Array;
  weights: Float64Array;
}

function buildMelBank(): MelBank {
  const melLow = melOf(LOW_FREQ_HZ);
  const melHigh = melOf(SAMPLE_RATE / 2);
  const delta = (melHigh - melLow) / (NUM_MEL_BINS + 1);
  const binMel = new Float64Array(NUM_FFT_BINS);
  for (let k = 0; k < NUM_FFT_BINS; k++) binMel[k] = melOf((k * SAMPLE_RATE) / FFT_SIZE);
  const first = new Int32Array(NUM_MEL_BINS);
  const offset = new Int32Array(NUM_MEL_BINS + 1);
  const weights: number[] = [];
  for (let b = 0; b < NUM_MEL_BINS; b++) {
    const left = melLow + b * delta;
    const centre = melLow + (b + 1) * delta;
    const right = melLow + (b + 2) * delta;
    first[b] = -1;
    for (let k = 0; k < NUM_FFT_BINS; k++) {
      const m = binMel[k];
      if (m > left && m < right) {
        if (first[b] < 0) first[b] = k;
        weights.push(m <= centre ? (m - left) / (centre - left) : (right - m) / (right - centre));
      }
    }
    offset[b + 1] = weights.length;
  }
  return { first, offset, weights: Float64Array.from(weights) };
}

/** The part of Node's WebAssembly global used here (its typings ship with lib.dom, which this package does not load). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type TableName = 'WINDOW' | 'BIT_REVERSE' | 'TWIDDLE' | 'SPLIT_TWIDDLE' | 'MEL_FIRST' | 'MEL_OFFSET' | 'MEL_WEIGHTS' | 'HEAP_BASE';
/** wasm/fbank-kernel.ts's exports: the entry point, its memory and the byte addresses of its regions. */
type KernelExports = { memory: { buffer: ArrayBuffer; grow(pages: number): number }; computeFrames(samples: number, count: number, out: number): void } & Record<
  TableName,
  { value: number }
>;

let compiled: object | undefined;

function kernelModule(): object {
  if (!compiled) {
    // The kernel is a build output next to dist/features/fbank.js; tests that run this file from src/
    // use the package's build.
    const url = [new URL(`./${KERNEL_FILE}`, import.meta.url), new URL(`../../dist/features/${KERNEL_FILE}`, import.meta.url)].find((u) => existsSync(u));
    if (!url) throw new VadError('INTERNAL', `${KERNEL_FILE} is missing: build @vadfleet/vad-core first (npm run build).`);
    compiled = new wasm.Module(readFileSync(url));
  }
  return compiled;
}

const align16 = (n: number): number => (n + 15) & ~15;

/** One kernel instance with its own memory; use one Fbank per thread. */
export class Fbank {
  private readonly kernel: KernelExports;
  private readonly samplesPtr: number;
  private readonly outPtr: number;
  private readonly samplesIn: Float32Array;
  private readonly rowsOut: Float64Array;

  constructor() {
    this.kernel = new wasm.Instance(kernelModule()).exports as KernelExports;
    const { memory } = this.kernel;
    const at = (name: TableName): number => this.kernel[name].value;
    this.samplesPtr = align16(at('HEAP_BASE'));
    this.outPtr = align16(this.samplesPtr + CHUNK_SAMPLES * 4);
    const bytes = this.outPtr + CHUNK_FRAMES * NUM_MEL_BINS * 8;
    if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65_536));
    const buffer = memory.buffer;
    this.samplesIn = new Float32Array(buffer, this.samplesPtr, CHUNK_SAMPLES);
    this.rowsOut = new Float64Array(buffer, this.outPtr, CHUNK_FRAMES * NUM_MEL_BINS);

    const window = new Float64Array(buffer, at('WINDOW'), FRAME_LENGTH);
    const a = (2 * Math.PI) / (FRAME_LENGTH - 1);
    for (let i = 0; i < FRAME_LENGTH; i++) window[i] = 0.54 - 0.46 * Math.cos(a * i);

    const n = FFT_SIZE / 2;
    const bitReverse = new Int32Array(buffer, at('BIT_REVERSE'), n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 1, j = i; b < n; b <<= 1, j >>= 1) r = (r << 1) | (j & 1);
      bitReverse[i] = r;
    }
    // Radix-4 pass h: W^k, W^2k, W^3k with W = e^(−2πi/4h), six f64 per k at index h + k.
    const twiddle = new Float64Array(buffer, at('TWIDDLE'), (n / 2) * 6);
    for (let h = 4; h < n; h <<= 2) {
      for (let k = 0; k < h; k++) {
        for (let m = 1; m <= 3; m++) {
          twiddle[6 * (h + k) + 2 * (m - 1)] = Math.cos((-2 * Math.PI * m * k) / (4 * h));
          twiddle[6 * (h + k) + 2 * (m - 1) + 1] = Math.sin((-2 * Math.PI * m * k) / (4 * h));
        }
      }
    }
    const split = new Float64Array(buffer, at('SPLIT_TWIDDLE'), 2 * n);
    for (let k = 0; k < n; k++) {
      split[2 * k] = Math.cos((-2 * Math.PI * k) / FFT_SIZE);
      split[2 * k + 1] = Math.sin((-2 * Math.PI * k) / FFT_SIZE);
    }
    const mel = buildMelBank();
    new Int32Array(buffer, at('MEL_FIRST'), NUM_MEL_BINS).set(mel.first);
    new Int32Array(buffer, at('MEL_OFFSET'), NUM_MEL_BINS + 1).set(mel.offset);
    new Float64Array(buffer, at('MEL_WEIGHTS'), mel.weights.length).set(mel.weights);
  }

  /**
   * Writes the 80 log-mel energies of `count` consecutive frames, the first starting at `samples[offset]`,
   * into `out` from `outOffset` on (row-major, 80 per frame).
   */
  computeFrames(samples: Float32Array, offset: number, count: number, out: Float64Array, outOffset: number): void {
    if (count <= 0) return;
    if (offset < 0 || offset + (count - 1) * FRAME_SHIFT + FRAME_LENGTH > samples.length) {
      throw new RangeError(`${count} frames from sample ${offset} need more than the ${samples.length} samples given`);
    }
    for (let done = 0; done < count; done += CHUNK_FRAMES) {
      const frames = Math.min(CHUNK_FRAMES, count - done);
      const from = offset + done * FRAME_SHIFT;
      this.samplesIn.set(samples.subarray(from, from + (frames - 1) * FRAME_SHIFT + FRAME_LENGTH));
      this.kernel.computeFrames(this.samplesPtr, frames, this.outPtr);
      out.set(this.rowsOut.subarray(0, frames * NUM_MEL_BINS), outOffset + done * NUM_MEL_BINS);
    }
  }

  /** Writes the 80 log-mel energies of the frame starting at `samples[offset]` into `out[outOffset..+80)`. */
  computeFrame(samples: Float32Array, offset: number, out: Float64Array, outOffset: number): void {
    this.computeFrames(samples, offset, 1, out, outOffset);
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
