/**
 * Cuts one channel's 16 kHz sample stream into independent pieces (spec §12): each piece keeps
 * `pieceFrames` frames and carries the samples of its left context (up to 78 frames) and the two
 * frames of LFR look-ahead. Memory: one piece plus context, whatever the stream's length.
 */
import { FRAME_LENGTH, FRAME_SHIFT, frameCount } from './features/fbank.js';
import { LFR_RADIUS, fbankStartFor } from './features/front-end.js';
import type { PieceTask } from './types.js';

export class PieceCutter {
  /** Samples from stream index `bufferStart` on. */
  private buffer: Float32Array;
  private length = 0;
  private bufferStart = 0;
  private keepFrom = 0;
  private totalSamples = 0;

  constructor(
    private readonly pieceFrames: number,
    private readonly withEnergy: boolean,
    /** Where each piece's own sample array comes from (the inference pool recycles them). */
    private readonly allocate: (length: number) => Float32Array = (length) => new Float32Array(length),
  ) {
    this.buffer = new Float32Array((pieceFrames + 100) * FRAME_SHIFT + FRAME_LENGTH);
  }

  get samplesSeen(): number {
    return this.totalSamples;
  }

  /** Appends samples; returns the pieces that became complete (their sample arrays are owned copies). */
  push(samples: Float32Array): PieceTask[] {
    this.totalSamples += samples.length;
    if (this.length + samples.length > this.buffer.length) {
      const grown = new Float32Array(Math.max(this.buffer.length * 2, this.length + samples.length));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(samples, this.length);
    this.length += samples.length;
    const pieces: PieceTask[] = [];
    for (;;) {
      const keepTo = this.keepFrom + this.pieceFrames;
      // The last fbank frame LFR needs is keepTo − 1 + 2; it must be complete.
      const needed = (keepTo - 1 + LFR_RADIUS) * FRAME_SHIFT + FRAME_LENGTH - this.bufferStart;
      if (this.length < needed) break;
      pieces.push(this.cut(keepTo, needed, false));
    }
    return pieces;
  }

  /** Ends the stream: the remaining frames as a last piece (none when the stream has no whole frame left). */
  finish(): PieceTask | null {
    const total = frameCount(this.totalSamples);
    if (total <= this.keepFrom) return null;
    return this.cut(total, this.length, true);
  }

  private cut(keepTo: number, sampleEnd: number, atStreamEnd: boolean): PieceTask {
    const fbankStart = fbankStartFor(this.keepFrom);
    const from = fbankStart * FRAME_SHIFT - this.bufferStart;
    const samples = this.allocate(sampleEnd - from);
    samples.set(this.buffer.subarray(from, sampleEnd));
    const task: PieceTask = {
      samples,
      fbankStart,
      keepFrom: this.keepFrom,
      keepTo,
      atStreamEnd,
      withEnergy: this.withEnergy,
    };
    this.keepFrom = keepTo;
    const dropTo = fbankStartFor(keepTo) * FRAME_SHIFT - this.bufferStart;
    this.buffer.copyWithin(0, dropTo, this.length);
    this.length -= dropTo;
    this.bufferStart += dropTo;
    return task;
  }
}
