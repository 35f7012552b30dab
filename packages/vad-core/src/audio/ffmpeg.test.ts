import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat } from './detect-format.js';
import { parseFfmpegStreams } from './open-ffmpeg.js';
import { wav16 } from './testing/wav-writer.js';
import { openAudio } from './open-audio.js';
import { DEFAULT_OPTS, chunked, decodeAll, expectSameSamples } from './testing/collect-audio.js';
import { expectVadError } from './testing/expect-vad-error.js';

/** The first bytes of an M4A (ISO BMFF) file, padded with junk. */
const m4a = (() => {
  const bytes = new Uint8Array(5000).fill(7);
  bytes.set([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x4d, 0x34, 0x41, 0x20]); // ....ftypM4A
  return bytes;
})();

const BANNER = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'pipe:0':
  Metadata:
    major_brand     : M4A
  Duration: 00:00:01.50, start: 0.000000, bitrate: N/A
  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 128 kb/s (default)
Stream mapping:
  Stream #0:0 -> #0:0 (aac (native) -> pcm_f32le (native))
Output #0, f32le, to 'pipe:1':
  Metadata:
    encoder         : Lavf60.16.100
  Stream #0:0(und): Audio: pcm_f32le, 16000 Hz, stereo, flt, 1024 kb/s (default)
`;

/**
 * A stand-in for ffmpeg: checks that it was asked for f32le at 16 kHz on stdout, reads all of stdin,
 * prints a real ffmpeg banner on stderr and writes 24,000 stereo float frames (left i/24000, right −0.5,
 * with one out-of-range value to be clipped), in odd-sized writes.
 */
const FAKE_FFMPEG = `#!${process.execPath}
const args = process.argv.slice(2).join(' ');
if (!args.includes('-f f32le') || !args.includes('-ar 16000') || !args.includes('pipe:1')) { console.error('bad args: ' + args); process.exit(2); }
const mode = process.env.FAKE_FFMPEG_MODE;
let input = 0;
process.stdin.on('data', (d) => { input += d.length; });
process.stdin.on('end', () => {
  if (mode === 'fail') { process.stderr.write(${JSON.stringify(BANNER.split('Stream mapping')[0])} + 'pipe:0: Invalid data found when processing input\\n'); process.exit(1); }
  process.stderr.write(${JSON.stringify(BANNER)});
  const frames = 24000;
  const out = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) { out[2 * i] = i / frames; out[2 * i + 1] = -0.5; }
  out[1001] = -1.75;
  const bytes = Buffer.from(out.buffer);
  let pos = 0;
  const step = () => { while (pos < bytes.length) { const n = Math.min(4093, bytes.length - pos); const more = process.stdout.write(bytes.subarray(pos, pos + n)); pos += n; if (!more) { process.stdout.once('drain', step); return; } } process.stdout.end(); };
  step();
});
`;

const dir = mkdtempSync(join(tmpdir(), 'fake-ffmpeg-'));
const fakeFfmpeg = join(dir, 'ffmpeg');
writeFileSync(fakeFfmpeg, FAKE_FFMPEG);
chmodSync(fakeFfmpeg, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('formats decoded by ffmpeg', () => {
  it('detects other media from the bytes', () => {
    expect(detectFormat(m4a)).toBe('unknown-media');
    expect(detectFormat(Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe('unknown-media'); // WebM
    expect(detectFormat(Uint8Array.from([0xff, 0xf1, 0x50, 0x80, 0, 0x1f, 0xfc]))).toBe('unknown-media'); // ADTS AAC
    expect(detectFormat(new TextEncoder().encode('FORM\0\0\0\0AIFFCOMM'))).toBe('unknown-media');
    expect(detectFormat(new TextEncoder().encode('caff\0\x01\0\0desc'))).toBe('unknown-media');
    expect(detectFormat(new TextEncoder().encode('OggS\0\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\x1e\x01vorbis'))).toBe('unknown-media');
  });

  it('without ffmpeg: UNSUPPORTED_FORMAT telling how to install it', async () => {
    await expectVadError(decodeAll(m4a, 1000, { ffmpegPath: '/nonexistent/ffmpeg' }), 'UNSUPPORTED_FORMAT', /install ffmpeg \(e\.g\. apt-get install ffmpeg\)/);
  });

  it('streams the bytes through ffmpeg and reads channels, codec and rate from its banner', async () => {
    const { info, channels } = await decodeAll(m4a, 333, { ffmpegPath: fakeFfmpeg });
    expect(info).toEqual({ container: 'ffmpeg', codec: 'aac', sampleRate: 44100, channels: 2, declaredFrames: 66150 });
    const left = Float32Array.from({ length: 24000 }, (_, i) => Math.fround(i / 24000) * 32768);
    const right = new Float32Array(24000).fill(-16384);
    right[500] = -32768; // −1.75 clipped to −1
    expectSameSamples(channels[0], left);
    expectSameSamples(channels[1], right);
  });

  it('checks the declared duration and channel count from the banner', async () => {
    await expectVadError(decodeAll(m4a, 1000, { ffmpegPath: fakeFfmpeg, maxDurationMs: 1000 }), 'AUDIO_TOO_LONG');
    await expectVadError(decodeAll(m4a, 1000, { ffmpegPath: fakeFfmpeg, maxChannels: 1 }), 'TOO_MANY_CHANNELS');
  });

  it("ffmpeg's failure becomes INVALID_AUDIO with its last stderr line", async () => {
    process.env.FAKE_FFMPEG_MODE = 'fail';
    try {
      await expectVadError(decodeAll(m4a, 1000, { ffmpegPath: fakeFfmpeg }), 'INVALID_AUDIO', /Invalid data found when processing input/);
    } finally {
      delete process.env.FAKE_FFMPEG_MODE;
    }
  });

  it('parses channel layouts from real banners', () => {
    const banner = (layout: string) => BANNER.replace(/16000 Hz, stereo/, `16000 Hz, ${layout}`);
    expect(parseFfmpegStreams(banner('mono'))?.channels).toBe(1);
    expect(parseFfmpegStreams(banner('5.1(side)'))?.channels).toBe(6);
    expect(parseFfmpegStreams(banner('3 channels'))?.channels).toBe(3);
    expect(parseFfmpegStreams(BANNER.split('Output #0')[0])).toBeNull();
  });
});

/** Files made by the real ffmpeg (installed by .ci/run) from a 30-s synthetic recording. */
describe('real ffmpeg', () => {
  const made = (name: string, args: string[]): string => {
    const path = join(dir, name);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, path]);
    return path;
  };
  const source = join(dir, 'source.wav');
  // A warbling tone with pauses: 30 s, 16 kHz, large enough that the index is far beyond ffmpeg's pipe buffer.
  writeFileSync(source, wav16([Int16Array.from({ length: 480_000 }, (_, i) => (i % 32000 < 20000 ? 8000 * Math.sin(i * (0.05 + 0.02 * Math.sin(i / 4000))) : 0))], 16000));
  const moovAtEnd = readFileSync(made('default.m4a', ['-i', source])); // ffmpeg's default: index after the data
  const faststart = readFileSync(made('faststart.m4a', ['-i', source, '-movflags', '+faststart']));

  it('an M4A with its index at the end, as a stream and as a file: the same samples as its faststart twin', async () => {
    expect(Buffer.from(moovAtEnd.subarray(0, 64)).indexOf('moov')).toBe(-1);
    const reference = await decodeAll(faststart, 65536);
    expect(reference.info).toMatchObject({ container: 'ffmpeg', codec: 'aac', sampleRate: 16000, channels: 1 });
    expect(Math.abs(reference.channels[0].length - 480_000)).toBeLessThan(1024);
    const streamed = await decodeAll(moovAtEnd, 65536);
    expect(streamed.info).toEqual(reference.info);
    expectSameSamples(streamed.channels[0], reference.channels[0]);
    const fromFile = await decodeAll(moovAtEnd, 65536, { filePath: join(dir, 'default.m4a') });
    expectSameSamples(fromFile.channels[0], reference.channels[0]);
  });

  it('a stream is spooled to a private temporary file that is always removed, bounded by maxInputBytes', async () => {
    const spoolRoot = join(dir, 'tmp');
    mkdirSync(spoolRoot);
    const before = process.env.TMPDIR;
    process.env.TMPDIR = spoolRoot;
    try {
      await decodeAll(moovAtEnd, 4096);
      expect(readdirSync(spoolRoot)).toEqual([]);
      await expectVadError(decodeAll(moovAtEnd, 4096, { maxInputBytes: moovAtEnd.length - 1 }), 'PAYLOAD_TOO_LARGE');
      expect(readdirSync(spoolRoot)).toEqual([]);
      await expectVadError(decodeAll(moovAtEnd.subarray(0, moovAtEnd.length >> 1), 4096), 'INVALID_AUDIO');
      expect(readdirSync(spoolRoot)).toEqual([]);
      // Stopped after the first block: ffmpeg is killed and the copy still goes.
      const stream = await openAudio(chunked(moovAtEnd, 4096), DEFAULT_OPTS);
      for await (const _ of stream.blocks) break;
      await waitFor(() => readdirSync(spoolRoot).length === 0);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
  });

  it('an M4A cut inside its data (index first): analysed as far as it goes, with TRUNCATED_INPUT', async () => {
    const stream = await openAudio(chunked(faststart.subarray(0, Math.floor(faststart.length * 0.4)), 4096), DEFAULT_OPTS);
    let samples = 0;
    for await (const block of stream.blocks) samples += block[0].length;
    expect(samples).toBeGreaterThan(16000 * 5);
    expect(stream.warnings).toEqual([{ code: 'TRUNCATED_INPUT', declaredMs: 30000, decodedMs: Math.round(samples / 16), message: expect.any(String) }]);
    const whole = await openAudio(chunked(faststart, 4096), DEFAULT_OPTS);
    for await (const _ of whole.blocks);
    expect(whole.warnings).toEqual([]);
  });

  it("ffmpeg's failures get honest codes, never EMPTY_AUDIO (hostile data)", async () => {
    // Cut before its index: nothing can be located.
    await expectVadError(decodeAll(moovAtEnd.subarray(0, moovAtEnd.length >> 1)), 'INVALID_AUDIO', /no index \(moov atom\)/);
    // An MP4 signature followed by garbage.
    const garbage = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
    garbage.set(faststart.subarray(0, 32));
    await expectVadError(decodeAll(garbage), 'INVALID_AUDIO');
    // Only the MP4 header boxes.
    await expectVadError(decodeAll(faststart.subarray(0, 40)), 'INVALID_AUDIO');
    // A video without sound.
    const video = readFileSync(made('video.mp4', ['-f', 'lavfi', '-i', 'testsrc=duration=1:size=64x64:rate=10', '-c:v', 'mpeg4']));
    await expectVadError(decodeAll(video), 'UNSUPPORTED_FORMAT', /no audio stream/);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(condition()).toBe(true);
}
