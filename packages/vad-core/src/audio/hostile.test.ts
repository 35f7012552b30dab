import { readFileSync } from 'node:fs';
import { VadError } from '@vadfleet/shared/errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect-format.js';
import { decodeAll } from './testing/collect-audio.js';
import { expectVadError } from './testing/expect-vad-error.js';
import { encodeFlac16 } from './testing/flac-writer.js';
import { chunk, fmtChunk, pcm16, riffFile, wav16 } from './testing/wav-writer.js';

const NO_FFMPEG = { ffmpegPath: '/nonexistent/ffmpeg' };
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./testing/fixtures/${name}`, import.meta.url)));

function samples(n: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(10000 * Math.sin(i / 7)));
}

/** Resolves for valid audio, rejects with a VadError otherwise; anything else fails the property. */
async function decodesOrVadError(bytes: Uint8Array, chunkSize: number): Promise<void> {
  try {
    await decodeAll(bytes, chunkSize, { ...NO_FFMPEG, maxDurationMs: 600_000 });
  } catch (err) {
    if (!(err instanceof VadError)) throw err;
  }
}

describe('hostile WAV headers', () => {
  const x = samples(500);
  const fmt16 = (over: Partial<Parameters<typeof fmtChunk>[0]> = {}) =>
    fmtChunk({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16, ...over });

  it('truncated anywhere inside the header: INVALID_AUDIO (or EMPTY_AUDIO once the data chunk has begun)', async () => {
    const file = riffFile([chunk('LIST', 10), fmt16(), chunk('data', pcm16([x]))]);
    const dataStart = file.length - 1000;
    for (let cut = 1; cut < dataStart; cut++) await expectVadError(decodeAll(file.subarray(0, cut), 3), 'INVALID_AUDIO');
    await expectVadError(decodeAll(file.subarray(0, dataStart), 3), 'EMPTY_AUDIO');
    await expectVadError(decodeAll(file.subarray(0, dataStart + 1), 3), 'EMPTY_AUDIO'); // half a sample
    expect((await decodeAll(file.subarray(0, dataStart + 2))).channels[0].length).toBe(1);
  });

  it('empty input and header-only files', async () => {
    await expectVadError(decodeAll(new Uint8Array(0)), 'EMPTY_AUDIO');
    await expectVadError(decodeAll(riffFile([fmt16()])), 'INVALID_AUDIO', /before the data chunk/);
    await expectVadError(decodeAll(riffFile([fmt16(), chunk('data', new Uint8Array(0))])), 'EMPTY_AUDIO');
  });

  it('a data size larger than the stream: what arrived is the audio', async () => {
    const file = riffFile([fmt16(), chunk('data', pcm16([x]), 1_000_000)]);
    const { channels, info } = await decodeAll(file, 77);
    expect(info.declaredFrames).toBe(500_000);
    expect(channels[0].length).toBe(500);
  });

  it('absurd or too small fmt sizes', async () => {
    await expectVadError(decodeAll(riffFile([{ ...fmt16(), sizeField: 0xfffffff0 }, chunk('data', pcm16([x]))])), 'INVALID_AUDIO', /implausible/);
    await expectVadError(decodeAll(riffFile([{ id: 'fmt ', body: new Uint8Array(10) }, chunk('data', pcm16([x]))])), 'INVALID_AUDIO', /at least 16/);
  });

  it('a huge unknown chunk before fmt runs into the end of the stream: INVALID_AUDIO, nothing buffered', async () => {
    await expectVadError(decodeAll(riffFile([chunk('JUNK', 100, 0xfffffff0), fmt16(), chunk('data', pcm16([x]))])), 'INVALID_AUDIO');
  });

  it('zero channels, impossible sample rates, wrong block align, unsupported bits and codecs', async () => {
    const bad = (f: Parameters<typeof fmt16>[0]) => decodeAll(riffFile([fmt16(f), chunk('data', pcm16([x]))]));
    await expectVadError(bad({ channels: 0, blockAlign: 2 }), 'INVALID_AUDIO', /0 channels/);
    await expectVadError(bad({ sampleRate: 1 }), 'INVALID_AUDIO', /sample rate 1 Hz is outside 8000–192000 Hz/);
    await expectVadError(bad({ sampleRate: 4_000_000_000 }), 'INVALID_AUDIO', /sample rate 4000000000 Hz is outside 8000–192000 Hz/);
    await expectVadError(bad({ sampleRate: 384000 }), 'UNSUPPORTED_FORMAT', /384000 Hz.*resample/);
    await expectVadError(bad({ sampleRate: 0 }), 'INVALID_AUDIO', /0 Hz/);
    await expectVadError(bad({ blockAlign: 3 }), 'INVALID_AUDIO', /block align 3/);
    await expectVadError(bad({ bitsPerSample: 12, blockAlign: 2 }), 'UNSUPPORTED_FORMAT', /12 bits/);
    await expectVadError(bad({ formatTag: 3, bitsPerSample: 16 }), 'UNSUPPORTED_FORMAT', /float with 16 bits/);
    await expectVadError(bad({ formatTag: 0x11, bitsPerSample: 4, blockAlign: 256 }), 'UNSUPPORTED_FORMAT', /0x0011 \(IMA ADPCM\)/);
    await expectVadError(bad({ extensible: true, formatTag: 0x55 }), 'UNSUPPORTED_FORMAT', /MPEG Layer 3/);
  });

  it('NaN and ±Inf float samples: INVALID_AUDIO naming the sample', async () => {
    for (const value of [Number.NaN, Infinity, -Infinity]) {
      const data = new Uint8Array(new Float32Array([0.1, 0.2, value, 0.3]).buffer);
      const file = riffFile([fmtChunk({ formatTag: 3, channels: 1, sampleRate: 16000, bitsPerSample: 32 }), chunk('data', data)]);
      await expectVadError(decodeAll(file, 5), 'INVALID_AUDIO', /sample 2 is not finite/);
    }
  });

  it('text, random bytes and renamed formats are UNSUPPORTED_FORMAT', async () => {
    const text = new TextEncoder().encode('{"this": "is json, not audio"}\n'.repeat(20));
    await expectVadError(decodeAll(text), 'UNSUPPORTED_FORMAT', /supported formats are WAV/);
    await expectVadError(decodeAll(new TextEncoder().encode('RIFF....AVI LIST'), 64, NO_FFMPEG), 'UNSUPPORTED_FORMAT', /install ffmpeg/);
    expect(detectFormat(new TextEncoder().encode('<html><body>'))).toBe('unknown');
  });
});

describe('fuzzing: any bytes end in audio or a VadError, never a hang or another error', () => {
  const valid = [
    wav16([samples(300)], 16000),
    wav16([samples(200), samples(200)], 8000),
    encodeFlac16([samples(3000)], { sampleRate: 16000, blockSize: 1000 }),
    fixture('mono-16k.mp3'),
    fixture('mono.opus'),
  ];

  it('random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), decodesOrVadError), { numRuns: 150 });
  });

  it('random bytes behind real signatures', async () => {
    const signatures = ['RIFF\x10\x00\x00\x00WAVE', 'RF64\xff\xff\xff\xffWAVE', 'fLaC', 'OggS', 'ID3\x04\x00\x00\x00\x00\x00\x10', '\xff\xfb\x90\xc4', 'RIFF\x00\x00\x00\x00WAVEfmt '];
    const prefixes = signatures.map((s) => Uint8Array.from(s, (ch) => ch.charCodeAt(0)));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 500 }), async (prefix, tail, size) => {
        const bytes = new Uint8Array(prefix.length + tail.length);
        bytes.set(prefix);
        bytes.set(tail, prefix.length);
        await decodesOrVadError(bytes, size);
      }),
      { numRuns: 150 },
    );
  });

  it('valid files with corrupted bytes and random truncation', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 900 }),
        async (file, flips, keep, size) => {
          const bytes = file.slice(0, Math.max(1, Math.round(file.length * keep)));
          for (const [pos, value] of flips) bytes[pos % bytes.length] = value;
          await decodesOrVadError(bytes, size);
        },
      ),
      { numRuns: 150 },
    );
  });
});
