import type { AudioInfo } from '../types.js';

/** A source whose header has been read: what it declares, and its samples still to decode. */
export interface DecodedAudio {
  info: AudioInfo;
  /** Sample rate of `chunks` (info.sampleRate, except where the decoder already resampled, e.g. ffmpeg). */
  chunkRate: number;
  /**
   * `info.channels` equal-length Float32Arrays per step, int16 scale. Arrays may be reused after the next
   * `next()`. Decoders are created on the first `next()` and released in the generator's `finally`.
   */
  chunks: AsyncGenerator<Float32Array[], void, undefined>;
  /** Releases what exists before `chunks` starts (an ffmpeg process); safe to call more than once. */
  release(): void;
}
