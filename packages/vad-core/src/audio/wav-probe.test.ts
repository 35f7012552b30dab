import { describe, expect, it } from 'vitest';
import { probeWavFormat } from './wav-header.js';
import { chunk, fmtChunk, riffFile } from './testing/wav-writer.js';

const MULAW_STEREO_8K = fmtChunk({ formatTag: 7, channels: 2, sampleRate: 8000, bitsPerSample: 8 });

describe('probeWavFormat: the format from the first bytes of a stored WAV', () => {
  it('reads the fmt chunk of a call-centre file (8 kHz μ-law stereo: 16 000 B/s)', async () => {
    const head = riffFile([MULAW_STEREO_8K, chunk('data', 64)]).subarray(0, 4096);
    expect(await probeWavFormat(head)).toEqual({ container: 'wav', codec: 'pcm_mulaw', channels: 2, sampleRate: 8000, blockAlign: 2 });
  });

  it('needs only the bytes up to the fmt chunk: a large chunk after it may be cut off', async () => {
    const head = riffFile([chunk('LIST', 3), MULAW_STEREO_8K, chunk('bext', 10_000), chunk('data', 64)]).subarray(0, 4096);
    expect((await probeWavFormat(head))?.sampleRate).toBe(8000);
  });

  it('is null for what is not a WAV header it can decode, whatever the bytes', async () => {
    const pcm = riffFile([fmtChunk({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 }), chunk('data', 64)]);
    const hostile = [
      new Uint8Array(0),
      new TextEncoder().encode('ID3\x04\x00\x00\x00\x00\x00\x00 not a wav'),
      pcm.subarray(0, 11), // cut inside the RIFF header
      pcm.subarray(0, 30), // cut inside the fmt chunk
      riffFile([chunk('LIST', 10_000), MULAW_STEREO_8K]).subarray(0, 4096), // fmt beyond the bytes read
      riffFile([fmtChunk({ formatTag: 2, channels: 1, sampleRate: 8000, bitsPerSample: 4 }), chunk('data', 8)]), // ADPCM
      riffFile([fmtChunk({ formatTag: 1, channels: 0, sampleRate: 8000, bitsPerSample: 16 })]),
      riffFile([chunk('fmt ', 8)]), // a fmt chunk too short
      riffFile([chunk('fmt ', 16, 0xfffffff0)]), // an implausible size
    ];
    for (const bytes of hostile) expect(await probeWavFormat(bytes)).toBeNull();
  });
});
