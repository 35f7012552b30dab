import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openAudio } from './open-audio.js';
import { ALAW_TO_LINEAR, MULAW_TO_LINEAR } from './g711.js';
import { chunked, decodeAll, DEFAULT_OPTS, expectSameSamples } from './testing/collect-audio.js';
import { expectVadError } from './testing/expect-vad-error.js';
import { chunk, ds64Chunk, fmtChunk, pcm16, riffFile, wav16 } from './testing/wav-writer.js';
import { EXAMPLE_WAV as EXAMPLE } from '../testing/example-audio.js';


function ramp(n: number, seed = 1): Int16Array {
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 7919 * seed + 12345) % 65536) - 32768;
  return x;
}

describe('WAV: vad_example.wav (spec §3.2)', () => {
  const bytes = new Uint8Array(readFileSync(EXAMPLE));

  it('reads exactly the data chunk: 1,127,530 samples, starting 41, 44, 26, 13, 19', async () => {
    const { info, channels } = await decodeAll(bytes);
    expect(info).toEqual({ container: 'wav', codec: 'pcm_s16le', sampleRate: 16000, channels: 1, declaredFrames: 1127530 });
    expect(channels[0].length).toBe(1127530);
    expect(Array.from(channels[0].subarray(0, 5))).toEqual([41, 44, 26, 13, 19]);
    // Bit-exact int16 values: compare with the data chunk (it starts at byte 44 in this file).
    const expected = new Int16Array(bytes.buffer.slice(44, 44 + 2 * 1127530));
    expectSameSamples(channels[0], expected);
  });

  it('gives identical blocks whatever the byte chunking (1 s, 7 s, 60 s, odd sizes)', async () => {
    const reference = await decodeAll(bytes, 32000);
    for (const size of [7 * 32000, 60 * 32000, 4093, 1_000_003, 101]) {
      const other = await decodeAll(bytes, size);
      expect(other.blockLengths).toEqual(reference.blockLengths);
      expectSameSamples(other.channels[0], reference.channels[0]);
    }
  });

  it('gives identical output in 1-byte chunks (first 40 KB of the file)', async () => {
    const prefix = bytes.slice(0, 40_000);
    const a = await decodeAll(prefix, 1);
    const b = await decodeAll(prefix, 40_000);
    expect(a.channels[0].length).toBe((40_000 - 44) / 2);
    expectSameSamples(a.channels[0], b.channels[0]);
  });
});

describe('WAV: sample formats → int16 scale (spec §3.1)', () => {
  async function decodeFormat(formatTag: number, bits: number, data: Uint8Array, channels = 1, extensible = false) {
    const file = riffFile([fmtChunk({ formatTag, channels, sampleRate: 16000, bitsPerSample: bits, extensible }), chunk('data', data)]);
    return decodeAll(file, 5);
  }

  it('PCM 16-bit: the int16 value', async () => {
    const x = ramp(3000);
    const { channels, info } = await decodeFormat(1, 16, pcm16([x]));
    expect(info.codec).toBe('pcm_s16le');
    expectSameSamples(channels[0], x);
  });

  it('PCM 8-bit unsigned: (b − 128) × 256', async () => {
    const { channels, info } = await decodeFormat(1, 8, Uint8Array.from([0, 1, 127, 128, 129, 255]));
    expect(info.codec).toBe('pcm_u8');
    expect(Array.from(channels[0])).toEqual([-32768, -32512, -256, 0, 256, 32512]);
  });

  it('PCM 24-bit: value / 256', async () => {
    const values = [0, 1, -1, 8388607, -8388608, 123456, -654321];
    const data = new Uint8Array(values.length * 3);
    values.forEach((v, i) => data.set([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff], 3 * i));
    const { channels } = await decodeFormat(1, 24, data);
    expect(Array.from(channels[0])).toEqual(values.map((v) => v / 256));
  });

  it('PCM 32-bit: fround(value / 2^31) × 32768', async () => {
    const values = [0, 1, -1, 2147483647, -2147483648, 65536, 123456789, -987654321];
    const data = new Uint8Array(values.length * 4);
    const v = new DataView(data.buffer);
    values.forEach((x, i) => v.setInt32(4 * i, x, true));
    const { channels } = await decodeFormat(1, 32, data);
    expect(Array.from(channels[0])).toEqual(values.map((x) => Math.fround(x / 2 ** 31) * 32768));
    expect(channels[0][4]).toBe(-32768);
    expect(channels[0][5]).toBe(1);
  });

  it('IEEE float 32/64: value × 32768, clipped to [−1, 1] first', async () => {
    const values = [0, 0.5, -0.25, 1, -1, 1.5, -3, 1e-9, 0.999];
    const f32 = new Uint8Array(new Float32Array(values).buffer);
    const f64 = new Uint8Array(new Float64Array(values).buffer);
    const expected = values.map((x) => Math.fround(Math.max(-1, Math.min(1, Math.fround(x))) * 32768));
    const a = await decodeFormat(3, 32, f32);
    expect(a.info.codec).toBe('pcm_f32le');
    expect(Array.from(a.channels[0])).toEqual(expected);
    const b = await decodeFormat(3, 64, f64);
    expect(b.info.codec).toBe('pcm_f64le');
    expect(Array.from(b.channels[0])).toEqual(values.map((x) => Math.fround(Math.max(-1, Math.min(1, x)) * 32768)));
  });

  it('G.711 μ-law and A-law: hand-checked codes', async () => {
    const mu = await decodeFormat(7, 8, Uint8Array.from([0x00, 0x80, 0xff, 0x7f, 0xfe, 0x7e, 0xef]));
    expect(mu.info.codec).toBe('pcm_mulaw');
    expect(Array.from(mu.channels[0])).toEqual([-32124, 32124, 0, 0, 8, -8, 132]);
    const a = await decodeFormat(6, 8, Uint8Array.from([0xd5, 0x55, 0xaa, 0x2a, 0xd4]));
    expect(a.info.codec).toBe('pcm_alaw');
    expect(Array.from(a.channels[0])).toEqual([8, -8, 32256, -32256, 24]);
    expect(Math.max(...MULAW_TO_LINEAR)).toBe(32124);
    expect(Math.min(...ALAW_TO_LINEAR)).toBe(-32256);
  });

  it('WAVE_FORMAT_EXTENSIBLE: the real tag comes from the sub-format GUID', async () => {
    const x = ramp(100);
    const pcm = await decodeFormat(1, 16, pcm16([x]), 1, true);
    expectSameSamples(pcm.channels[0], x);
    const flt = await decodeFormat(3, 32, new Uint8Array(new Float32Array([0.5, -0.5]).buffer), 1, true);
    expect(Array.from(flt.channels[0])).toEqual([16384, -16384]);
  });

  it('deinterleaves stereo and 3-channel audio', async () => {
    const l = ramp(5000, 1), r = ramp(5000, 3), c = ramp(5000, 5);
    const stereo = await decodeAll(wav16([l, r], 16000), 7);
    expect(stereo.info.channels).toBe(2);
    expectSameSamples(stereo.channels[0], l);
    expectSameSamples(stereo.channels[1], r);
    const three = await decodeAll(wav16([l, r, c], 16000), 11);
    expect(three.channels.map((ch) => Array.from(ch.subarray(0, 3)))).toEqual([l, r, c].map((ch) => Array.from(ch.subarray(0, 3))));
    expectSameSamples(three.channels[2], c);
  });
});

describe('WAV: chunk layout', () => {
  const x = ramp(1001);
  const fmt = fmtChunk({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 });

  it('fmt after LIST/JUNK/fact/bext, odd-size chunks padded, unknown chunks skipped', async () => {
    const file = riffFile([chunk('JUNK', 27), chunk('LIST', 13), chunk('bext', 3), chunk('fact', 4), fmt, chunk('zzzz', 1), chunk('data', pcm16([x]))]);
    const { channels } = await decodeAll(file, 3);
    expectSameSamples(channels[0], x);
  });

  it('reads exactly the data size when chunks follow the data', async () => {
    const file = riffFile([fmt, chunk('data', pcm16([x.subarray(0, 1000)])), chunk('LIST', 101), chunk('_PMX', 500)]);
    const { channels } = await decodeAll(file, 64);
    expectSameSamples(channels[0], x.subarray(0, 1000));
  });

  it('an odd-sized 8-bit data chunk followed by its pad byte and another chunk', async () => {
    const fmt8 = fmtChunk({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 8 });
    const file = riffFile([fmt8, chunk('data', Uint8Array.from([128, 129, 130])), chunk('LIST', 8)]);
    expect(Array.from((await decodeAll(file, 1)).channels[0])).toEqual([0, 256, 512]);
  });

  it('data size 0 or 0xFFFFFFFF means "until the end of the stream"', async () => {
    for (const sizeField of [0, 0xffffffff]) {
      const file = riffFile([fmt, chunk('data', pcm16([x]), sizeField)]);
      const { channels, info } = await decodeAll(file, 100);
      expect(info.declaredFrames).toBeUndefined();
      expectSameSamples(channels[0], x);
    }
  });

  it('RF64 with a ds64 chunk', async () => {
    const data = pcm16([x]);
    const file = riffFile([ds64Chunk(data.length, x.length), fmt, chunk('data', data, 0xffffffff), chunk('LIST', 20)], { form: 'RF64' });
    const { channels, info } = await decodeAll(file, 9);
    expect(info.container).toBe('rf64');
    expect(info.declaredFrames).toBe(1001);
    expectSameSamples(channels[0], x);
  });

  it('a data chunk before fmt is INVALID_AUDIO (we stream)', async () => {
    await expectVadError(decodeAll(riffFile([chunk('data', pcm16([x])), fmt])), 'INVALID_AUDIO', /before the fmt/);
  });
});

describe('WAV: resampling to 16 kHz', () => {
  it('8 kHz: 2N samples, input samples kept exactly at even positions', async () => {
    const x = ramp(8000 * 3 + 17);
    const { channels, info } = await decodeAll(wav16([x], 8000), 333);
    expect(info.sampleRate).toBe(8000);
    expect(channels[0].length).toBe(2 * x.length);
    for (let i = 0; i < x.length; i += 97) expect(channels[0][2 * i]).toBe(x[i]);
  });

  it('44.1 kHz stereo: round(N × 16000 / 44100) samples per channel, chunk-invariant', async () => {
    const n = 44100 + 1234;
    const file = wav16([ramp(n, 1), ramp(n, 7)], 44100);
    const a = await decodeAll(file, 1000);
    const b = await decodeAll(file, 77777);
    expect(a.channels[0].length).toBe(Math.round((n * 16000) / 44100));
    expectSameSamples(a.channels[1], b.channels[1]);
    expect(a.blockLengths).toEqual(b.blockLengths);
  });
});

describe('WAV: limits', () => {
  it('TOO_MANY_CHANNELS from the header', async () => {
    const file = wav16([ramp(10), ramp(10), ramp(10)], 16000);
    await expectVadError(openAudio(chunked(file, 100), { ...DEFAULT_OPTS, maxChannels: 2 }), 'TOO_MANY_CHANNELS', /3 channels/);
  });

  it('AUDIO_TOO_LONG from the declared data size, before reading the samples', async () => {
    const header = riffFile([fmtChunk({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 }), chunk('data', 0, 16000 * 2 * 3600)]);
    async function* headerThenStall() {
      yield header;
      throw new Error('the samples must not be read');
    }
    await expectVadError(openAudio(headerThenStall(), { ...DEFAULT_OPTS, maxDurationMs: 60_000 }), 'AUDIO_TOO_LONG', /3600\.000 s/);
  });

  it('AUDIO_TOO_LONG while decoding when no length is declared', async () => {
    const file = riffFile([fmtChunk({ formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 }), chunk('data', pcm16([ramp(8000 * 3)]), 0)]);
    await expectVadError(decodeAll(file, 4096, { maxDurationMs: 2000 }), 'AUDIO_TOO_LONG');
    expect((await decodeAll(file, 4096, { maxDurationMs: 3000 })).channels[0].length).toBe(48000);
  });

  it('honours an abort signal, also while the source is stalled', async () => {
    const controller = new AbortController();
    async function* stalled() {
      yield wav16([ramp(100)], 16000).slice(0, 20);
      await new Promise(() => undefined);
    }
    const opening = openAudio(stalled(), { ...DEFAULT_OPTS, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop now')), 20);
    await expect(opening).rejects.toThrow('stop now');

    const c2 = new AbortController();
    const stream = await openAudio(chunked(wav16([ramp(100_000)], 16000), 1000), { ...DEFAULT_OPTS, signal: c2.signal });
    const it = stream.blocks[Symbol.asyncIterator]();
    await it.next();
    c2.abort();
    await expect(it.next()).rejects.toMatchObject({ name: 'AbortError' });
  });
});
