/**
 * Hostile input end to end through `Vad.detect` (the decoder-level cases are in src/audio/hostile.test.ts):
 * every case settles with a `VadError` code (or a defined result) quickly, the process survives, memory
 * stays bounded, and the same Vad still gives the golden result afterwards. Per-test timeouts are hang
 * guards, not timing assertions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VadError } from '@vadfleet/shared/errors';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Vad } from '../dist/index.js';
import { expectVadError } from '../src/audio/testing/expect-vad-error.js';
import { encodeFlac16 } from '../src/audio/testing/flac-writer.js';
import { chunk, fmtChunk, pcm16, riffFile, wav16 } from '../src/audio/testing/wav-writer.js';
import { EXAMPLE_WAV, GOLDEN, MODEL_DIR, exampleBytes } from './fixtures.js';
import { exampleSamples } from './support/example-samples.js';
import { concatBytes } from '../src/audio/testing/concat.js';
import { mpegFrameRun } from './support/hostile-bytes.js';
import { wavOf } from './support/sample-packing.js';

const GUARD = 10_000;
const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const tone = (n: number) => Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
const fmt16 = (over: Partial<Parameters<typeof fmtChunk>[0]> = {}) =>
  fmtChunk({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16, ...over });

let vad: Vad;
let tmp: string;
beforeAll(async () => {
  vad = await Vad.create({ modelDir: MODEL_DIR, threads: 2 });
  tmp = mkdtempSync(join(tmpdir(), 'vad-hostile-'));
});
afterAll(async () => {
  await vad.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Offset of the example's PCM data (its `data` chunk is not the last one, spec §3.2). */
function exampleDataStart(bytes: Uint8Array): number {
  return Buffer.from(bytes).indexOf('data') + 8;
}

describe('truncated and lying WAV files', () => {
  it('cut inside the header: INVALID_AUDIO at every cut', async () => {
    const bytes = exampleBytes();
    const dataStart = exampleDataStart(bytes);
    for (const cut of [1, 4, 11, 12, 20, 35, dataStart - 8, dataStart - 1]) {
      await expectVadError(vad.detect(bytes.subarray(0, cut)), 'INVALID_AUDIO');
    }
  }, GUARD);

  it('cut inside the data (the header then claims more than arrived): what arrived is the audio', async () => {
    const bytes = exampleBytes();
    const result = await vad.detect(bytes.subarray(0, exampleDataStart(bytes) + 10 * 32000));
    expect(result.durationMs).toBe(10000);
    const segments = result.channels[0].segments;
    expect(segments.slice(0, 2)).toEqual(GOLDEN.slice(0, 2));
    // The third utterance runs past the cut: it starts as in the golden result and ends at the last frame.
    expect(segments[2][0]).toBe(GOLDEN[2][0]);
    expect(segments[2][1]).toBe(9980); // frame 997, the last whole frame
    expect(segments).toHaveLength(3);
  }, GUARD);

  it('a data size smaller than the stream: only the declared bytes are audio', async () => {
    const x = exampleSamples();
    const file = riffFile([fmt16(), chunk('data', pcm16([x.subarray(0, 48000)]), 32000)], { noPad: true });
    const result = await vad.detect(file);
    expect(result.durationMs).toBe(1000);
    expect(result.channels[0].segments).toEqual([[70, 980]]); // 98 frames: the last ends at 980 ms
  }, GUARD);

  it('a data size implying more than the 4 h limit: AUDIO_TOO_LONG from the header, nothing decoded', async () => {
    const file = riffFile([fmt16(), chunk('data', pcm16([tone(16000)]), 0xfffffff0)]);
    await expectVadError(vad.detect(file), 'AUDIO_TOO_LONG', /header declares/);
  }, GUARD);

  it('header-only files: no data chunk is INVALID_AUDIO, an empty data chunk EMPTY_AUDIO', async () => {
    await expectVadError(vad.detect(riffFile([fmt16()])), 'INVALID_AUDIO');
    await expectVadError(vad.detect(riffFile([fmt16(), chunk('data', new Uint8Array(0))])), 'EMPTY_AUDIO');
  }, GUARD);

  it('zero channels, sample rates of 1 Hz and 4 GHz: INVALID_AUDIO', async () => {
    const data = chunk('data', pcm16([tone(1000)]));
    await expectVadError(vad.detect(riffFile([fmt16({ channels: 0, blockAlign: 2 }), data])), 'INVALID_AUDIO', /0 channels/);
    await expectVadError(vad.detect(riffFile([fmt16({ sampleRate: 1 }), data])), 'INVALID_AUDIO', /1 Hz/);
    await expectVadError(vad.detect(riffFile([fmt16({ sampleRate: 4_000_000_000 }), data])), 'INVALID_AUDIO', /4000000000 Hz/);
  }, GUARD);

  it('NaN and ±Inf float samples, also deep into the file: INVALID_AUDIO', async () => {
    for (const [at, value] of [[3, Number.NaN], [40_000, Infinity], [100_000, -Infinity]] as const) {
      const samples = new Float32Array(120_000).map((_, i) => 0.3 * Math.sin(i / 5));
      samples[at] = value;
      const file = riffFile([fmtChunk({ formatTag: 3, channels: 1, sampleRate: 16000, bitsPerSample: 32 }), chunk('data', new Uint8Array(samples.buffer))]);
      await expectVadError(vad.detect(file), 'INVALID_AUDIO', new RegExp(`sample ${at} is not finite`));
    }
  }, GUARD);
});

describe('not audio', () => {
  it.each([
    ['PNG', concatBytes(Uint8Array.of(0x89), ascii('PNG\r\n\x1a\n\0\0\0\rIHDR'), new Uint8Array(200))],
    ['ZIP', concatBytes(ascii('PK\x03\x04\x14\0\0\0\x08\0'), new Uint8Array(200).fill(7))],
    ['PDF', ascii('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'.repeat(10))],
    ['text', ascii('This is a README, not a recording.\n'.repeat(30))],
    ['JSON', ascii('{"segments": [[70, 2340]]}')],
  ])('%s renamed to .wav: UNSUPPORTED_FORMAT naming the supported formats', async (_name, bytes) => {
    const path = join(tmp, `renamed-${_name}.wav`);
    writeFileSync(path, bytes);
    await expectVadError(vad.detect(path), 'UNSUPPORTED_FORMAT', /WAV/);
  }, GUARD);

  it('random bytes: a result or a VadError, never another error or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
        try {
          const result = await vad.detect(bytes);
          expect(result.channels.length).toBeGreaterThan(0);
        } catch (err) {
          if (!(err instanceof VadError)) throw err;
        }
      }),
      { numRuns: 50 },
    );
  }, 30_000);

  it('random PCM behind a valid WAV header: always a result, segments inside the audio', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 2, maxLength: 40_000 }), async (data) => {
        const body = data.subarray(0, data.length & ~1);
        const result = await vad.detect(riffFile([fmt16(), chunk('data', body)]));
        for (const [start, end] of result.channels[0].segments) {
          expect(start).toBeLessThan(end);
          expect(end).toBeLessThanOrEqual(result.durationMs);
        }
      }),
      { numRuns: 30 },
    );
  }, 30_000);

  it('an empty file: EMPTY_AUDIO (zero bytes is "no audio", not a malformed header)', async () => {
    const path = join(tmp, 'empty.wav');
    writeFileSync(path, new Uint8Array(0));
    await expectVadError(vad.detect(path), 'EMPTY_AUDIO');
    await expectVadError(vad.detect(new Uint8Array(0)), 'EMPTY_AUDIO');
  }, GUARD);

  it('a missing file: INPUT_NOT_FOUND', async () => {
    await expectVadError(vad.detect(join(tmp, 'no-such.wav')), 'INPUT_NOT_FOUND');
  }, GUARD);
});

describe('decompression bombs: AUDIO_TOO_LONG after bounded work and memory', () => {
  const SMALL = { maxDurationMs: 60_000 };
  let rssBefore: number;
  beforeAll(() => {
    rssBefore = process.memoryUsage().rss;
  });
  afterAll(() => {
    // Whole bomb set: the memory does not follow the claimed or decodable length (hours of samples).
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 2 ** 20);
  });

  it('FLAC whose STREAMINFO claims 5 h (one real 4096-sample block): from the header, default and small limits', async () => {
    const flac = encodeFlac16([tone(4096)], { sampleRate: 16000, declaredSamples: 16000 * 3600 * 5 });
    expect(flac.length).toBeLessThan(10_000);
    await expectVadError(vad.detect(flac), 'AUDIO_TOO_LONG', /18000\.000 s/);
    await expectVadError(vad.detect(flac, SMALL), 'AUDIO_TOO_LONG');
  }, GUARD);

  // With an unknown length only counting decoded samples can stop it, and the VAD runs on what is decoded,
  // so the default 4 h limit would mean analysing up to 4 h: the counted bombs use a small limit.
  it('FLAC of unknown length decoding to 2.3 h (28 KB of constant 65535-sample frames): while decoding', async () => {
    const frames = 2000;
    // The encoder reads only the length and each block's first sample: a constant stand-in, not 262 MB of samples.
    const constant = new Proxy({ length: frames * 65535 }, { get: (target, key) => (key === 'length' ? target.length : 1000) }) as ArrayLike<number>;
    const flac = encodeFlac16([constant], { sampleRate: 16000, blockSize: 65535, declaredSamples: 0, constant: true });
    expect(flac.length).toBeLessThan(40_000);
    await expectVadError(vad.detect(flac, SMALL), 'AUDIO_TOO_LONG');
  }, GUARD);

  it('MP3 whose Xing header claims 10,000,000 frames: from the header, default and small limits', async () => {
    const mp3 = mpegFrameRun(3, { xingFrames: 10_000_000 });
    await expectVadError(vad.detect(mp3), 'AUDIO_TOO_LONG');
    await expectVadError(vad.detect(mp3, SMALL), 'AUDIO_TOO_LONG');
  }, GUARD);

  it('MP3 of 5000 tiny 72-byte frames (360 KB → 6 min) without a declared length: while decoding', async () => {
    await expectVadError(vad.detect(mpegFrameRun(5000), SMALL), 'AUDIO_TOO_LONG');
  }, GUARD);
});

describe('limits and degenerate audio', () => {
  it('maxChannels: 1 with a stereo file: TOO_MANY_CHANNELS', async () => {
    await expectVadError(vad.detect(wav16([tone(8000), tone(8000)], 16000), { maxChannels: 1 }), 'TOO_MANY_CHANNELS', /2 channels/);
  }, GUARD);

  it('maxDurationMs: 10000 on the 70 s example: AUDIO_TOO_LONG', async () => {
    await expectVadError(vad.detect(EXAMPLE_WAV, { maxDurationMs: 10_000 }), 'AUDIO_TOO_LONG');
  }, GUARD);

  // Found by these tests: the limits themselves are not validated, so 0, negative or fractional values
  // turn every file into TOO_MANY_CHANNELS / AUDIO_TOO_LONG ("at most 0 are allowed") or are used as is.
  it('nonsensical limits are refused as INVALID_PARAMS naming the option', async () => {
    const wav = wav16([tone(1600)], 16000);
    await expectVadError(vad.detect(wav, { maxChannels: 0 }), 'INVALID_PARAMS', /maxChannels/);
    await expectVadError(vad.detect(wav, { maxChannels: 1.5 }), 'INVALID_PARAMS', /maxChannels/);
    await expectVadError(vad.detect(wav, { maxDurationMs: -5 }), 'INVALID_PARAMS', /maxDurationMs/);
  }, GUARD);

  it('100 samples (less than one 400-sample frame): no segments (spec §3.4)', async () => {
    const result = await vad.detect(wav16([tone(100)], 16000));
    expect(result.channels).toEqual([{ channel: 0, segments: [] }]);
    expect(result.durationMs).toBe(6);
  }, GUARD);

  it('digital silence (10 s, also as float and at 8 kHz stereo): no segments (spec §3.4)', async () => {
    expect((await vad.detect(wav16([new Int16Array(160_000)], 16000))).channels[0].segments).toEqual([]);
    expect((await vad.detect(wavOf('float32', [new Int16Array(160_000)], 16000))).channels[0].segments).toEqual([]);
    const stereo = await vad.detect(wav16([new Int16Array(80_000), new Int16Array(80_000)], 8000));
    expect(stereo.channels).toEqual([{ channel: 0, segments: [] }, { channel: 1, segments: [] }]);
  }, GUARD);
});

describe('afterwards', () => {
  it('the same Vad still gives the golden result', async () => {
    const result = await vad.detect(EXAMPLE_WAV);
    expect(result.channels).toEqual([{ channel: 0, segments: GOLDEN }]);
    expect(vad.stats().threads).toBe(2);
  }, GUARD);
});
