/**
 * Writing test audio for the benchmark and the evaluation set: G.711 encoders (ITU-T G.711 segment
 * search, the inverse of audio/g711.ts's expansion) and WAV files in PCM16, μ-law or A-law, any channels.
 */
import { writeFileSync } from 'node:fs';

export type WavEncoding = 'pcm16' | 'mulaw' | 'alaw';

function encodeMulaw(sample: number): number {
  const BIAS = 0x84;
  let x = Math.max(-32635, Math.min(32635, Math.round(sample)));
  const sign = x < 0 ? 0x80 : 0;
  if (sign) x = -x;
  x += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (x & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (x >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function encodeAlaw(sample: number): number {
  let x = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
  const sign = x >= 0 ? 0x80 : 0;
  if (!sign) x = -x - 1;
  let segment = 0;
  // Segment ends 0x1F, 0x3F, … 0xFFF (G.711's seg_aend).
  while (segment < 8 && x > (0x20 << segment) - 1) segment++;
  let code: number;
  if (segment >= 8) code = 0x7f;
  else code = (segment << 4) | ((segment < 2 ? x >> 1 : x >> segment) & 0x0f);
  return (sign | code) ^ 0x55;
}

const MULAW_OF = new Uint8Array(65536);
const ALAW_OF = new Uint8Array(65536);
for (let v = -32768; v < 32768; v++) {
  MULAW_OF[v + 32768] = encodeMulaw(v);
  ALAW_OF[v + 32768] = encodeAlaw(v);
}

const clip16 = (v: number) => Math.max(-32768, Math.min(32767, Math.round(v)));

/** A WAV of `channels` (equal lengths, int16 scale) at `rate`, interleaved, in the given encoding. */
export function wavBytes(channels: readonly Float32Array[], rate: number, encoding: WavEncoding): Buffer {
  const n = channels[0]?.length ?? 0;
  const c = channels.length;
  const bytesPerSample = encoding === 'pcm16' ? 2 : 1;
  const fmtSize = encoding === 'pcm16' ? 16 : 18;
  const headerSize = 12 + 8 + fmtSize + 8;
  const out = Buffer.alloc(headerSize + n * c * bytesPerSample);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(out.length - 8, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(fmtSize, 16);
  out.writeUInt16LE(encoding === 'pcm16' ? 1 : encoding === 'alaw' ? 6 : 7, 20);
  out.writeUInt16LE(c, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * c * bytesPerSample, 28);
  out.writeUInt16LE(c * bytesPerSample, 32);
  out.writeUInt16LE(8 * bytesPerSample, 34);
  let p = 36;
  if (fmtSize === 18) {
    out.writeUInt16LE(0, 36);
    p = 38;
  }
  out.write('data', p, 'latin1');
  out.writeUInt32LE(n * c * bytesPerSample, p + 4);
  p += 8;
  const table = encoding === 'mulaw' ? MULAW_OF : ALAW_OF;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const v = clip16(channels[ch][i]);
      if (encoding === 'pcm16') {
        out.writeInt16LE(v, p);
        p += 2;
      } else out[p++] = table[v + 32768];
    }
  }
  return out;
}

export function writeWav(path: string, channels: readonly Float32Array[], rate: number, encoding: WavEncoding): void {
  writeFileSync(path, wavBytes(channels, rate, encoding));
}
