/**
 * Interleaved little-endian PCM bytes → per-channel int16-scale floats (spec §3.1). Accepts byte chunks
 * of any size and alignment: a frame split across chunks is carried over, so the output does not depend
 * on the chunking. Output buffers are allocated once; each call overwrites them.
 */
import { VadError } from '@vadfleet/shared/errors';
import { ALAW_TO_LINEAR, MULAW_TO_LINEAR } from './g711.js';

export type PcmCodec = 'pcm_u8' | 'pcm_s16le' | 'pcm_s24le' | 'pcm_s32le' | 'pcm_f32le' | 'pcm_f64le' | 'pcm_alaw' | 'pcm_mulaw';

const BYTES_PER_SAMPLE: Record<PcmCodec, number> = {
  pcm_u8: 1, pcm_s16le: 2, pcm_s24le: 3, pcm_s32le: 4, pcm_f32le: 4, pcm_f64le: 8, pcm_alaw: 1, pcm_mulaw: 1,
};

export class PcmConverter {
  readonly codec: PcmCodec;
  readonly channels: number;
  readonly blockAlign: number;
  /** Most frames one `convert` call may produce; feed at most `maxFrames × blockAlign` bytes per call. */
  readonly maxFrames: number;
  /** Per-channel output of the last `convert` call (first `n` entries valid). */
  readonly output: Float32Array[];
  private readonly carry: Uint8Array;
  private readonly carryView: DataView;
  private carryLength = 0;
  /** Frames converted so far, to name a bad sample's position. */
  private framesDone = 0;

  constructor(codec: PcmCodec, channels: number, maxFrames: number) {
    this.codec = codec;
    this.channels = channels;
    this.blockAlign = BYTES_PER_SAMPLE[codec] * channels;
    this.maxFrames = maxFrames;
    this.output = Array.from({ length: channels }, () => new Float32Array(maxFrames + 1));
    this.carry = new Uint8Array(this.blockAlign);
    this.carryView = new DataView(this.carry.buffer);
  }

  /** Converts the whole frames available after `bytes`; returns how many frames were written to `output`. */
  convert(bytes: Uint8Array): number {
    const align = this.blockAlign;
    let offset = 0;
    let frames = 0;
    if (this.carryLength > 0) {
      const take = Math.min(align - this.carryLength, bytes.length);
      this.carry.set(bytes.subarray(0, take), this.carryLength);
      this.carryLength += take;
      offset = take;
      if (this.carryLength < align) return 0;
      this.convertFrames(this.carryView, 0, 1, 0);
      this.carryLength = 0;
      frames = 1;
    }
    const whole = Math.min(Math.floor((bytes.length - offset) / align), this.maxFrames);
    if (whole > 0) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, whole * align);
      this.convertFrames(view, 0, whole, frames);
      frames += whole;
      offset += whole * align;
    }
    const rest = bytes.length - offset;
    if (rest >= align) throw new RangeError(`PcmConverter: more than ${this.maxFrames} frames in one call`);
    this.carry.set(bytes.subarray(offset), 0);
    this.carryLength = rest;
    return frames;
  }

  private convertFrames(view: DataView, byteOffset: number, frames: number, outOffset: number): void {
    const align = this.blockAlign;
    const width = BYTES_PER_SAMPLE[this.codec];
    for (let c = 0; c < this.channels; c++) {
      const out = this.output[c];
      let p = byteOffset + c * width;
      const end = outOffset + frames;
      switch (this.codec) {
        case 'pcm_u8':
          for (let o = outOffset; o < end; o++, p += align) out[o] = (view.getUint8(p) - 128) * 256;
          break;
        case 'pcm_s16le':
          for (let o = outOffset; o < end; o++, p += align) out[o] = view.getInt16(p, true);
          break;
        case 'pcm_s24le':
          for (let o = outOffset; o < end; o++, p += align) {
            out[o] = (view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16)) / 256;
          }
          break;
        case 'pcm_s32le':
          for (let o = outOffset; o < end; o++, p += align) out[o] = Math.fround(view.getInt32(p, true) / 2147483648) * 32768;
          break;
        case 'pcm_f32le':
          for (let o = outOffset; o < end; o++, p += align) out[o] = this.scaleFloat(view.getFloat32(p, true), o - outOffset);
          break;
        case 'pcm_f64le':
          for (let o = outOffset; o < end; o++, p += align) out[o] = this.scaleFloat(view.getFloat64(p, true), o - outOffset);
          break;
        case 'pcm_alaw':
          for (let o = outOffset; o < end; o++, p += align) out[o] = ALAW_TO_LINEAR[view.getUint8(p)];
          break;
        case 'pcm_mulaw':
          for (let o = outOffset; o < end; o++, p += align) out[o] = MULAW_TO_LINEAR[view.getUint8(p)];
          break;
      }
    }
    this.framesDone += frames;
  }

  /** Float samples beyond ±1 are clipped (spec §8 note); NaN/±Inf make the file invalid. */
  private scaleFloat(v: number, frameInCall: number): number {
    if (v !== v || v === Infinity || v === -Infinity) {
      throw new VadError('INVALID_AUDIO', `WAV: sample ${this.framesDone + frameInCall} is not finite (${v})`);
    }
    return (v > 1 ? 1 : v < -1 ? -1 : v) * 32768;
  }
}
