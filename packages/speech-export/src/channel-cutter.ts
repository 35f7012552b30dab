import type { Piece } from './plan-pieces.js';

/** Receives one channel's exported audio, clip by clip (or piece by piece of a joined track). */
export interface TrackSink {
  /** A clip starts at this sample / ms; `endMs` when its end is already known (not split). */
  begin(startSample: number, startMs: number, endMs: number | undefined, segmentIndex: number): void;
  /** Samples of the open clip, in order; the array is reused after the call returns. */
  write(samples: Int16Array): void;
  end(endSample: number, endMs: number): void;
}

/** Frames (10 ms) examined for a split: the last second before the clip limit. */
const SPLIT_FRAMES = 100;

/**
 * Cuts one channel's sample stream (at the export rate, in order, any block size) into the planned pieces:
 * piece [startMs, endMs) is samples [round(startMs·rate/1000), round(endMs·rate/1000)). With `maxClipMs`, a
 * longer piece is split at the centre of the quietest 10 ms frame of the last second before the limit;
 * that second is held back until it is complete (at most `rate` + 1 samples), nothing else is kept.
 */
export class ChannelCutter {
  private next = 0;
  /** Absolute index of the next input sample. */
  private pos = 0;
  private piece: Piece | null = null;
  private pieceEnd = 0;
  /** Split window of the open clip, [windowStart, windowEnd) in samples, or −1 when it needs no split. */
  private windowStart = -1;
  private windowEnd = -1;
  private windowMs = 0;
  private readonly hold: Int16Array;
  private scratch = new Int16Array(0);

  constructor(
    private readonly pieces: readonly Piece[],
    private readonly rate: number,
    private readonly maxClipMs: number | undefined,
    private readonly sink: TrackSink,
  ) {
    this.hold = new Int16Array(maxClipMs === undefined ? 0 : rate + 1);
  }

  /** The next run of samples, int16 scale (rounded and clamped here, as every exported sample is). */
  push(block: Float32Array): void {
    if (this.scratch.length < block.length) this.scratch = new Int16Array(block.length);
    const s = this.scratch.subarray(0, block.length);
    for (let i = 0; i < block.length; i++) {
      const v = Math.round(block[i]);
      s[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    this.consume(s);
  }

  /** End of the stream: a clip still open ends where the audio does. */
  finish(): void {
    if (!this.piece) return;
    if (this.windowStart >= 0 && this.pos > this.windowStart) this.sink.write(this.hold.subarray(0, this.pos - this.windowStart));
    this.sink.end(this.pos, Math.min(this.piece.endMs, Math.round((this.pos * 1000) / this.rate)));
    this.piece = null;
    this.next = this.pieces.length;
  }

  private sampleAt(ms: number): number {
    return Math.round((ms * this.rate) / 1000);
  }

  private consume(s: Int16Array): void {
    let i = 0;
    while (i < s.length) {
      if (!this.piece) {
        const piece = this.pieces[this.next];
        if (!piece) {
          this.pos += s.length - i;
          return;
        }
        const start = this.sampleAt(piece.startMs);
        if (this.sampleAt(piece.endMs) <= start) {
          this.next++; // shorter than one sample at this rate
          continue;
        }
        if (this.pos + (s.length - i) <= start) {
          this.pos += s.length - i;
          return;
        }
        if (this.pos < start) {
          i += start - this.pos;
          this.pos = start;
        }
        this.openClip(piece, piece.startMs);
      }
      if (this.windowStart >= 0 && this.pos >= this.windowStart) {
        const take = Math.min(s.length - i, this.windowEnd - this.pos);
        this.hold.set(s.subarray(i, i + take), this.pos - this.windowStart);
        i += take;
        this.pos += take;
        if (this.pos === this.windowEnd) this.split();
        continue;
      }
      const stop = this.windowStart >= 0 ? this.windowStart : this.pieceEnd;
      const take = Math.min(s.length - i, stop - this.pos);
      if (take > 0) this.sink.write(s.subarray(i, i + take));
      i += take;
      this.pos += take;
      if (this.windowStart < 0 && this.pos === this.pieceEnd) {
        this.sink.end(this.pos, this.piece!.endMs);
        this.piece = null;
        this.next++;
      }
    }
  }

  private openClip(piece: Piece, startMs: number): void {
    this.piece = piece;
    this.pieceEnd = this.sampleAt(piece.endMs);
    const split = this.maxClipMs !== undefined && piece.endMs - startMs > this.maxClipMs;
    if (split) {
      this.windowMs = startMs + this.maxClipMs! - SPLIT_FRAMES * 10;
      this.windowStart = this.sampleAt(this.windowMs);
      this.windowEnd = this.sampleAt(startMs + this.maxClipMs!);
    } else {
      this.windowStart = this.windowEnd = -1;
    }
    this.sink.begin(this.sampleAt(startMs), startMs, split ? undefined : piece.endMs, piece.segmentIndex);
  }

  /** The held second is complete: end the clip in its quietest frame and go on from there. */
  private split(): void {
    const piece = this.piece!;
    const base = this.windowStart;
    const held = this.windowEnd - base;
    let best = 0;
    let bestEnergy = Infinity;
    for (let j = 0; j < SPLIT_FRAMES; j++) {
      const from = this.sampleAt(this.windowMs + 10 * j) - base;
      const to = this.sampleAt(this.windowMs + 10 * j + 10) - base;
      let sum = 0;
      for (let k = from; k < to; k++) sum += this.hold[k] * this.hold[k];
      const energy = to > from ? sum / (to - from) : 0;
      if (energy <= bestEnergy) [best, bestEnergy] = [j, energy]; // ties: the later frame, the longer clip
    }
    const splitMs = this.windowMs + 10 * best + 5;
    const cut = this.sampleAt(splitMs) - base;
    if (cut > 0) this.sink.write(this.hold.subarray(0, cut));
    this.sink.end(base + cut, splitMs);
    // The next clip's own window starts at least a second later (maxClipMs ≥ 2 s), so re-feeding the
    // rest of the held second never writes into the hold buffer it is read from.
    this.openClip(piece, splitMs);
    this.pos = base + cut;
    this.consume(this.hold.subarray(cut, held));
  }
}
