/** WAV `data` bodies of int16-scale samples in other sample formats, and the matching WAV files. */
import { chunk, fmtChunk, riffFile } from '../../src/audio/testing/wav-writer.js';

type Packer = (view: DataView, offset: number, value: number) => void;

/** Format tag, bits per sample and writer of one sample. Every one keeps int16 values exact. */
export const SAMPLE_FORMATS = {
  pcm24: { formatTag: 1, bits: 24, write: ((v, o, x) => { const s = x * 256; v.setUint8(o, s & 0xff); v.setUint8(o + 1, (s >> 8) & 0xff); v.setInt8(o + 2, s >> 16); }) as Packer },
  pcm32: { formatTag: 1, bits: 32, write: ((v, o, x) => v.setInt32(o, x * 65536, true)) as Packer },
  float32: { formatTag: 3, bits: 32, write: ((v, o, x) => v.setFloat32(o, x / 32768, true)) as Packer },
  float64: { formatTag: 3, bits: 64, write: ((v, o, x) => v.setFloat64(o, x / 32768, true)) as Packer },
  /** One byte per sample, already encoded (G.711 codes). */
  mulaw: { formatTag: 7, bits: 8, write: ((v, o, x) => v.setUint8(o, x)) as Packer },
  alaw: { formatTag: 6, bits: 8, write: ((v, o, x) => v.setUint8(o, x)) as Packer },
  pcm16: { formatTag: 1, bits: 16, write: ((v, o, x) => v.setInt16(o, x, true)) as Packer },
} as const;

export type SampleFormat = keyof typeof SAMPLE_FORMATS;

/** A WAV of interleaved channels in the given sample format. */
export function wavOf(format: SampleFormat, channels: ArrayLike<number>[], sampleRate: number, opts: { extensible?: boolean } = {}): Uint8Array {
  const { formatTag, bits, write } = SAMPLE_FORMATS[format];
  const bytesPer = bits / 8;
  const frames = channels[0].length;
  const body = new Uint8Array(frames * channels.length * bytesPer);
  const view = new DataView(body.buffer);
  for (let f = 0; f < frames; f++) for (let c = 0; c < channels.length; c++) write(view, (f * channels.length + c) * bytesPer, channels[c][f]);
  return riffFile([fmtChunk({ formatTag, channels: channels.length, sampleRate, bitsPerSample: bits, extensible: opts.extensible }), chunk('data', body)]);
}
