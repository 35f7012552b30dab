import { describe, expect, it } from 'vitest';
import { expectSameSamples } from '../../vad-core/src/audio/testing/collect-audio.js';
import { FlacEncoder } from './flac-encoder.js';
import { decodedAt, noise } from './testing/export-fixtures.js';

function encode(x: Int16Array, rate: number, step: number): Uint8Array {
  const enc = new FlacEncoder(rate);
  const parts: Uint8Array[] = [enc.header()];
  for (let i = 0; i < x.length; i += step) parts.push(enc.encode(x.subarray(i, i + step)));
  const { tail, header } = enc.finish();
  parts.push(tail);
  parts[0] = header;
  return Buffer.concat(parts);
}

describe('FlacEncoder', () => {
  it('round-trips through vad-core FLAC decoder for any length, chunking, rate and content', { timeout: 60_000 }, async () => {
    const silence = new Int16Array(9000);
    const clipped = noise(5000, 3, 40000); // saturating values stress the Rice coding
    const cases: [Int16Array, number][] = [
      [noise(1, 1), 16000], [noise(3, 2), 8000], [noise(4097, 3), 16000], [noise(8192 + 5, 4), 11025],
      [silence, 16000], [clipped, 44100], [noise(20000, 5), 96000], [noise(12345, 6), 176400],
    ];
    for (const [x, rate] of cases) {
      for (const step of [1000, 77777]) {
        const flac = encode(x, rate, step);
        const decoded = await decodedAt(flac, 'source');
        expect(decoded.rate).toBe(rate);
        expectSameSamples(decoded.channels[0], x);
      }
    }
  });

  it('compresses quiet and predictable audio below PCM16 size', () => {
    const tone = Int16Array.from({ length: 48000 }, (_, i) => Math.round(8000 * Math.sin(i / 9)));
    expect(encode(tone, 16000, 4096).length).toBeLessThan(tone.length);
    expect(encode(new Int16Array(48000), 16000, 4096).length).toBeLessThan(1000);
  });
});
