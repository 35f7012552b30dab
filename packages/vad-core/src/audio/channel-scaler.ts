/**
 * Decoder output (floats nominally in [−1, 1]) → int16 scale, into per-channel buffers reused across
 * calls. Lossy codecs: value × 32768, clipped to ±1 first like WAV floats (spec §8 note). Integer codecs
 * (FLAC): the WASM decoder divides by 2^(bits−1) − 1, so the integer is recovered exactly and scaled
 * like WAV PCM of the same width (16-bit: the value itself, 24-bit: value / 256).
 */
export class ChannelScaler {
  private buffers: Float32Array[];
  private readonly views: Float32Array[];
  private readonly integerFullScale: number;
  private readonly integerToInt16: number;

  constructor(
    readonly channels: number,
    integerBits?: number,
  ) {
    this.integerFullScale = integerBits ? 2 ** (integerBits - 1) - 1 : 0;
    this.integerToInt16 = integerBits ? 2 ** (16 - integerBits) : 0;
    this.buffers = Array.from({ length: channels }, () => new Float32Array(4096));
    this.views = new Array<Float32Array>(channels);
  }

  /**
   * Scales the first `channels` arrays of `channelData` (`length` samples each; a missing channel repeats
   * the last one). The result is valid until the next call.
   */
  scale(channelData: Float32Array[], length: number): Float32Array[] {
    if (length > this.buffers[0].length) {
      const size = Math.max(length, 2 * this.buffers[0].length);
      this.buffers = this.buffers.map(() => new Float32Array(size));
    }
    for (let c = 0; c < this.channels; c++) {
      const src = channelData[Math.min(c, channelData.length - 1)];
      const dst = this.buffers[c];
      if (this.integerFullScale > 0) {
        const full = this.integerFullScale;
        const toInt16 = this.integerToInt16;
        for (let i = 0; i < length; i++) dst[i] = Math.round(src[i] * full) * toInt16;
      } else {
        for (let i = 0; i < length; i++) {
          const v = src[i];
          dst[i] = v > 1 ? 32768 : v < -1 ? -32768 : v === v ? v * 32768 : 0;
        }
      }
      this.views[c] = dst.subarray(0, length);
    }
    return this.views;
  }
}
