/**
 * MP3 encoding for tests with lamejs (a pure-JS port of LAME): mono CBR. lamejs writes no Xing/LAME
 * header, so decoders cannot trim LAME's delay (576 encoder + 529 decoder samples at the encoding rate);
 * `withLameTag` prepends the Info frame with those numbers that LAME itself writes, for gapless decoding.
 */
import { Mp3Encoder } from '@breezystack/lamejs';
import { concatBytes } from '../../src/audio/testing/concat.js';

/** LAME's encoder delay in samples (ENCDELAY); decoders add 529 (mpg123's GAPLESS_DELAY). */
export const LAME_ENCODER_DELAY = 576;
export const MP3_DECODER_DELAY = 529;

export function encodeMp3(samples: Int16Array, sampleRate: number, kbps: number): Uint8Array {
  const encoder = new Mp3Encoder(1, sampleRate, kbps);
  const parts: Uint8Array[] = [];
  const step = 1152 * 8;
  for (let i = 0; i < samples.length; i += step) parts.push(encoder.encodeBuffer(samples.subarray(i, i + step)));
  parts.push(encoder.flush());
  return concatBytes(...parts);
}

/**
 * Prepends a LAME "Info" frame (frame and byte counts, encoder delay and padding) to a CBR MPEG-2/2.5
 * mono stream of `sourceSamples` samples whose frames all have the size of its first frame.
 */
export function withLameTag(mp3: Uint8Array, sourceSamples: number): Uint8Array {
  const header = mp3.slice(0, 4);
  const lsf = (header[1] & 0x08) === 0; // MPEG-2/2.5: 576 samples per frame, 9 bytes of mono side info
  if (!lsf) throw new Error('withLameTag: MPEG-2/2.5 mono only');
  const samplesPerFrame = 576;
  const rates = [22050, 24000, 16000];
  const rate = rates[(header[2] >> 2) & 3] / ((header[1] & 0x10) === 0 ? 2 : 1);
  const kbps = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160][header[2] >> 4];
  const frameBytes = Math.floor((72 * kbps * 1000) / rate);
  if (mp3.length % frameBytes !== 0) throw new Error('withLameTag: frames of varying size');
  const frames = mp3.length / frameBytes;
  const padding = frames * samplesPerFrame - sourceSamples - LAME_ENCODER_DELAY;

  const info = new Uint8Array(frameBytes);
  info.set(header);
  info[1] |= 0x01; // no CRC
  info[2] &= ~0x02; // no padding slot
  const view = new DataView(info.buffer);
  let o = 4 + 9; // after the (zero) side info
  info.set([0x49, 0x6e, 0x66, 0x6f], o); // 'Info' (CBR)
  view.setUint32(o + 4, 0x3); // frames and bytes present
  view.setUint32(o + 8, frames); // audio frames, the Info frame not counted (as LAME writes it)
  view.setUint32(o + 12, mp3.length + frameBytes);
  o += 16;
  info.set(Array.from('LAME3.100', (c) => c.charCodeAt(0)), o);
  info[o + 21] = LAME_ENCODER_DELAY >> 4;
  info[o + 22] = ((LAME_ENCODER_DELAY & 0x0f) << 4) | (padding >> 8);
  info[o + 23] = padding & 0xff;
  return concatBytes(info, mp3);
}
