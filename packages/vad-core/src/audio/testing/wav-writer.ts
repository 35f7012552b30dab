/** Test-only WAV builder: any chunk layout, any (even inconsistent) header fields. */
import { concatBytes } from './concat.js';

export interface RawChunk {
  id: string;
  body: Uint8Array;
  /** Size written in the chunk header (default: body length). */
  sizeField?: number;
}

export interface FmtFields {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign?: number;
  /** Write WAVE_FORMAT_EXTENSIBLE with `formatTag` as the sub-format. */
  extensible?: boolean;
}

export function fmtChunk(f: FmtFields): RawChunk {
  const blockAlign = f.blockAlign ?? (f.channels * f.bitsPerSample) / 8;
  const body = new Uint8Array(f.extensible ? 40 : 16);
  const v = new DataView(body.buffer);
  v.setUint16(0, f.extensible ? 0xfffe : f.formatTag, true);
  v.setUint16(2, f.channels, true);
  v.setUint32(4, f.sampleRate >>> 0, true);
  v.setUint32(8, (f.sampleRate * blockAlign) >>> 0, true);
  v.setUint16(12, blockAlign, true);
  v.setUint16(14, f.bitsPerSample, true);
  if (f.extensible) {
    v.setUint16(16, 22, true);
    v.setUint16(18, f.bitsPerSample, true);
    v.setUint32(20, 0, true);
    v.setUint16(24, f.formatTag, true);
    body.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 26);
  }
  return { id: 'fmt ', body };
}

export function chunk(id: string, body: Uint8Array | number, sizeField?: number): RawChunk {
  return { id, body: typeof body === 'number' ? new Uint8Array(body).fill(0x41) : body, sizeField };
}

/** RIFF (or RF64) file from chunks in the given order; odd bodies get a pad byte unless `noPad`. */
export function riffFile(chunks: RawChunk[], opts: { form?: 'RIFF' | 'RF64'; noPad?: boolean } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const c of chunks) {
    const head = new Uint8Array(8);
    for (let i = 0; i < 4; i++) head[i] = c.id.charCodeAt(i);
    new DataView(head.buffer).setUint32(4, (c.sizeField ?? c.body.length) >>> 0, true);
    parts.push(head, c.body);
    if (c.body.length & 1 && !opts.noPad) parts.push(new Uint8Array(1));
  }
  const bodyLength = parts.reduce((s, p) => s + p.length, 0);
  const head = new Uint8Array(12);
  const form = opts.form ?? 'RIFF';
  for (let i = 0; i < 4; i++) head[i] = form.charCodeAt(i);
  new DataView(head.buffer).setUint32(4, form === 'RF64' ? 0xffffffff : 4 + bodyLength, true);
  head.set([0x57, 0x41, 0x56, 0x45], 8); // WAVE
  return concatBytes(head, ...parts);
}

/** ds64 chunk body for RF64 with the given data size. */
export function ds64Chunk(dataBytes: number, sampleCount: number): RawChunk {
  const body = new Uint8Array(28);
  const v = new DataView(body.buffer);
  v.setBigUint64(0, 0n, true);
  v.setBigUint64(8, BigInt(dataBytes), true);
  v.setBigUint64(16, BigInt(sampleCount), true);
  v.setUint32(24, 0, true);
  return { id: 'ds64', body };
}

/** Interleaves per-channel int16 values as PCM16 little-endian. */
export function pcm16(channels: ArrayLike<number>[]): Uint8Array {
  const frames = channels[0].length;
  const out = new Uint8Array(frames * channels.length * 2);
  const v = new DataView(out.buffer);
  for (let f = 0; f < frames; f++) for (let c = 0; c < channels.length; c++) v.setInt16((f * channels.length + c) * 2, channels[c][f], true);
  return out;
}

/** A plain mono/multichannel PCM16 WAV. */
export function wav16(channels: ArrayLike<number>[], sampleRate: number): Uint8Array {
  return riffFile([fmtChunk({ formatTag: 1, channels: channels.length, sampleRate, bitsPerSample: 16 }), chunk('data', pcm16(channels))]);
}
