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
  /**
   * Source frames a complete stream may decode short of `info.declaredFrames` (an MP3's encoder delay and
   * padding, ffmpeg's rounded duration); fewer means the input was cut. Default 0.
   */
  declaredSlackFrames?: number;
  /** After `chunks` ends: whether the bytes ended inside a frame or page, which decoders drop silently. */
  endedInsideFrame?: () => boolean;
}
