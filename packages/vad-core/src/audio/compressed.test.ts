import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeAll, expectSameSamples } from './testing/collect-audio.js';
import { concatBytes } from './testing/concat.js';
import { expectVadError } from './testing/expect-vad-error.js';
import { encodeFlac16 } from './testing/flac-writer.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./testing/fixtures/${name}`, import.meta.url)));

function tone(n: number, seed: number): Int16Array {
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round(12000 * Math.sin(i * 0.01 * seed) + 3000 * Math.sin(i * 0.37)) + (i % 3) - 1;
  return x;
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / (to - from));
}

/** An ID3v2.4 tag with `bodyBytes` of padding. */
function id3Tag(bodyBytes: number): Uint8Array {
  const tag = new Uint8Array(10 + bodyBytes);
  tag.set([0x49, 0x44, 0x33, 4, 0, 0, (bodyBytes >> 21) & 0x7f, (bodyBytes >> 14) & 0x7f, (bodyBytes >> 7) & 0x7f, bodyBytes & 0x7f]);
  return tag;
}

describe('FLAC (libFLAC WASM, fed in slices)', () => {
  it('16-bit mono at 16 kHz decodes to the exact int16 values, whatever the chunking', async () => {
    const x = tone(20000, 1);
    const flac = encodeFlac16([x], { sampleRate: 16000, blockSize: 4096 });
    const whole = await decodeAll(flac);
    expect(whole.info).toEqual({ container: 'flac', codec: 'flac', sampleRate: 16000, channels: 1, declaredFrames: 20000 });
    expectSameSamples(whole.channels[0], x);
    for (const size of [1, 7, 1000, 4097]) {
      const other = await decodeAll(flac, size);
      expectSameSamples(other.channels[0], x);
      expect(other.blockLengths).toEqual(whole.blockLengths);
    }
  });

  it('stereo at 44.1 kHz: channels kept apart, resampled to round(N × 16000 / 44100)', async () => {
    const l = tone(44100, 1), r = tone(44100, 3);
    const { info, channels } = await decodeAll(encodeFlac16([l, r], { sampleRate: 44100 }), 999);
    expect(info.channels).toBe(2);
    expect(info.sampleRate).toBe(44100);
    expect(channels[0].length).toBe(16000);
    expect(Math.abs(rms(channels[0], 500, 15500) - rms(Float32Array.from(l))) / rms(Float32Array.from(l))).toBeLessThan(0.02);
    expect(channels[1]).not.toEqual(channels[0]);
  });

  it('an ID3 tag in front of FLAC is skipped', async () => {
    const x = tone(3000, 2);
    const { channels } = await decodeAll(concatBytes(id3Tag(5000), encodeFlac16([x], { sampleRate: 16000 })), 333);
    expectSameSamples(channels[0], x);
  });

  it('decompression bomb declared in STREAMINFO: AUDIO_TOO_LONG from the header', async () => {
    const flac = encodeFlac16([new Int16Array(4096)], { sampleRate: 16000, declaredSamples: 16000 * 3600 * 5 });
    await expectVadError(decodeAll(flac, 65536, { maxDurationMs: 600_000 }), 'AUDIO_TOO_LONG', /18000\.000 s/);
  });

  it('decompression bomb with unknown length (constant 65535-sample frames): AUDIO_TOO_LONG while decoding', async () => {
    const frames = 2000; // ~28 KB of FLAC for 2.3 hours at 16 kHz
    const x = new Int16Array(frames * 65535).fill(1000);
    const flac = encodeFlac16([x], { sampleRate: 16000, blockSize: 65535, declaredSamples: 0, constant: true });
    expect(flac.length).toBeLessThan(40_000);
    const heapBefore = process.memoryUsage().heapUsed;
    await expectVadError(decodeAll(flac, 65536, { maxDurationMs: 60_000 }), 'AUDIO_TOO_LONG');
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(300 * 2 ** 20);
  });

  it('a truncated FLAC keeps what arrived; a broken STREAMINFO is INVALID_AUDIO', async () => {
    const x = tone(10000, 1);
    const flac = encodeFlac16([x], { sampleRate: 16000, blockSize: 1000 });
    const { channels } = await decodeAll(flac.subarray(0, 42 + 4 * 2016), 500);
    expect(channels[0].length).toBeGreaterThanOrEqual(3000);
    expectSameSamples(channels[0].subarray(0, 3000), x.subarray(0, 3000));
    await expectVadError(decodeAll(flac.subarray(0, 30)), 'INVALID_AUDIO', /STREAMINFO/);
  });
});

describe('MP3 (mpg123 WASM)', () => {
  it('mono 16 kHz (lame fixture): one channel from the mode bits, declared length from the Xing frame', async () => {
    const mp3 = fixture('mono-16k.mp3');
    const whole = await decodeAll(mp3);
    expect(whole.info.container).toBe('mp3');
    expect(whole.info.channels).toBe(1);
    expect(whole.info.sampleRate).toBe(16000);
    expect(whole.info.declaredFrames).toBeGreaterThan(16000);
    expect(Math.abs(whole.channels[0].length - 16000)).toBeLessThanOrEqual(1152);
    expect(rms(whole.channels[0])).toBeGreaterThan(3000);
    for (const size of [1, 100, 1500]) {
      const other = await decodeAll(mp3, size);
      expectSameSamples(other.channels[0], whole.channels[0]);
    }
  });

  it('stereo 24 kHz MPEG-2 (lame fixture): two channels, resampled', async () => {
    const { info, channels } = await decodeAll(fixture('stereo-24k.mp3'), 512);
    expect(info.channels).toBe(2);
    expect(info.sampleRate).toBe(24000);
    expect(Math.abs(channels[0].length - 8000)).toBeLessThanOrEqual(1000);
    expect(rms(channels[1])).toBeGreaterThan(1.5 * rms(channels[0]));
  });

  it('an ID3 tag in front of the MP3 is skipped, and padding after it', async () => {
    const { info } = await decodeAll(concatBytes(id3Tag(300), fixture('mono-16k.mp3')), 64);
    expect(info.channels).toBe(1);
    const padded = await decodeAll(concatBytes(id3Tag(300), new Uint8Array(777), fixture('mono-16k.mp3')), 64);
    expect(padded.info).toMatchObject({ container: 'mp3', channels: 1, sampleRate: 16000 });
  });

  /** MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono: 417 bytes; all-zero side info decodes to silence. */
  function silentFrame(): Uint8Array {
    const frame = new Uint8Array(417);
    frame.set([0xff, 0xfb, 0x90, 0xc4]);
    return frame;
  }

  it('Xing header claiming millions of frames: AUDIO_TOO_LONG from the header', async () => {
    const first = silentFrame();
    first.set([0x58, 0x69, 0x6e, 0x67, 0, 0, 0, 1, 0x00, 0x98, 0x96, 0x80], 4 + 17); // 'Xing', frames flag, 10,000,000
    const mp3 = concatBytes(first, silentFrame(), silentFrame());
    await expectVadError(decodeAll(mp3, 65536, { maxDurationMs: 3_600_000 }), 'AUDIO_TOO_LONG');
  });

  it('a long run of tiny frames with no declared length: AUDIO_TOO_LONG while decoding', async () => {
    // MPEG-2.5 Layer III, 8 kbit/s, 8 kHz, mono: 72-byte frames of 576 samples (72 ms each).
    const frame = new Uint8Array(72);
    frame.set([0xff, 0xe3, 0x18, 0xc4]);
    const frames = 3000; // 216 KB → 216 s
    const mp3 = new Uint8Array(frames * 72);
    for (let i = 0; i < frames; i++) mp3.set(frame, i * 72);
    const ok = await decodeAll(mp3.subarray(0, 72 * 100), 65536, { maxDurationMs: 60_000 });
    expect(ok.info).toMatchObject({ container: 'mp3', sampleRate: 8000, channels: 1 });
    expect(ok.channels[0].length).toBeGreaterThan(0);
    await expectVadError(decodeAll(mp3, 65536, { maxDurationMs: 60_000 }), 'AUDIO_TOO_LONG');
  });
});

describe('Ogg Opus (libopus WASM)', () => {
  it('mono fixture (opusenc): 48 kHz → 16 kHz, one channel, chunk-invariant', async () => {
    const opus = fixture('mono.opus');
    const whole = await decodeAll(opus);
    expect(whole.info).toEqual({ container: 'ogg', codec: 'opus', sampleRate: 48000, channels: 1 });
    expect(Math.abs(whole.channels[0].length - 16000)).toBeLessThanOrEqual(320);
    expect(rms(whole.channels[0])).toBeGreaterThan(3000);
    for (const size of [1, 300]) {
      const other = await decodeAll(opus, size);
      expectSameSamples(other.channels[0], whole.channels[0]);
    }
  });

  it('a truncated Ogg stream is INVALID_AUDIO or what arrived, never a crash', async () => {
    const opus = fixture('mono.opus');
    await expectVadError(decodeAll(opus.subarray(0, 40)), 'INVALID_AUDIO');
    const partial = await decodeAll(opus.subarray(0, 2500), 100);
    expect(partial.channels[0].length).toBeGreaterThan(0);
  });
});
