/**
 * Features for one piece (spec §5, §12): fbank rows for the frames the piece needs, LFR (m = 5, n = 1)
 * with indices clamped to the stream's first and last frame, CMVN, written as float32 model input.
 */
import type { PieceTask } from '../types.js';
import type { Cmvn } from './cmvn.js';
import { FRAME_SHIFT, Fbank, NUM_MEL_BINS, frameCount, frameDb } from './fbank.js';
import { LfrCmvn } from './lfr-cmvn.js';

/** Frames of zero-cache left context that make the FSMN output exact (spec §6.3). */
export const MODEL_CONTEXT_FRAMES = 76;
/** LFR looks two fbank frames to each side. */
export const LFR_RADIUS = 2;
const LFR_DIM = (2 * LFR_RADIUS + 1) * NUM_MEL_BINS;

/** First frame the model must see so that frame `keepFrom` is exact with zero caches. */
export function modelStartFor(keepFrom: number): number {
  return keepFrom < MODEL_CONTEXT_FRAMES + LFR_RADIUS ? 0 : keepFrom - MODEL_CONTEXT_FRAMES;
}

/** First fbank frame (and so first sample / 160) a piece keeping `keepFrom..` needs. */
export function fbankStartFor(keepFrom: number): number {
  return Math.max(0, modelStartFor(keepFrom) - LFR_RADIUS);
}

export class FrontEnd {
  private readonly fbank = new Fbank();
  private readonly lfrCmvn: LfrCmvn;
  private rows = new Float64Array(0);
  private input = new Float32Array(0);

  constructor(cmvn: Cmvn) {
    this.lfrCmvn = new LfrCmvn(cmvn);
  }

  /**
   * Model input (CMVN'd LFR, float32, row-major [frames × 400]) for frames modelStartFor(keepFrom) .. keepTo − 1.
   * The returned array is a view on a buffer the next call reuses.
   */
  computeModelInput(task: PieceTask): { features: Float32Array; frames: number; modelStart: number } {
    const modelStart = modelStartFor(task.keepFrom);
    const available = frameCount(task.samples.length);
    const lastFbank = task.fbankStart + available - 1;
    const rowFrom = Math.max(0, modelStart - LFR_RADIUS);
    const rowTo = Math.min(lastFbank, task.keepTo - 1 + LFR_RADIUS);
    if (rowFrom < task.fbankStart || (!task.atStreamEnd && rowTo < task.keepTo - 1 + LFR_RADIUS) || task.keepTo - 1 > lastFbank) {
      throw new RangeError(`piece samples do not cover frames ${rowFrom}..${task.keepTo + 1}`);
    }
    const rowCount = rowTo - rowFrom + 1;
    if (this.rows.length < rowCount * NUM_MEL_BINS) this.rows = new Float64Array(rowCount * NUM_MEL_BINS);
    this.fbank.computeFrames(task.samples, (rowFrom - task.fbankStart) * FRAME_SHIFT, rowCount, this.rows, 0);
    const frames = task.keepTo - modelStart;
    if (this.input.length < frames * LFR_DIM) this.input = new Float32Array(frames * LFR_DIM);
    this.lfrCmvn.stack(this.rows, rowFrom, rowCount, lastFbank, modelStart, frames, this.input);
    return { features: this.input.subarray(0, frames * LFR_DIM), frames, modelStart };
  }

  /** dB per kept frame (spec §8), in a new array of its own (the thread transfers it to the caller). */
  computeFrameDb(task: PieceTask): Float64Array {
    const out = new Float64Array(task.keepTo - task.keepFrom);
    for (let f = task.keepFrom; f < task.keepTo; f++) out[f - task.keepFrom] = frameDb(task.samples, (f - task.fbankStart) * FRAME_SHIFT);
    return out;
  }
}
