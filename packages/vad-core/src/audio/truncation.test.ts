/** TRUNCATED_INPUT: a stream that ends before its header says, or inside a frame, is analysed as far as it goes, and says so. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { WarningData } from '@vadfleet/shared/errors';
import { parseMpegFrameHeader } from './detect-format.js';
import { openAudio } from './open-audio.js';
import { DEFAULT_OPTS, chunked } from './testing/collect-audio.js';
import { encodeFlac16 } from './testing/flac-writer.js';
import { wav16 } from './testing/wav-writer.js';
import { UnitTracker } from './unit-tracker.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./testing/fixtures/${name}`, import.meta.url)));

/** Decodes everything; returns the 16 kHz length and the warnings. */
async function decode(bytes: Uint8Array, chunkSize = 1000): Promise<{ samples: number; warnings: WarningData[] }> {
  const stream = await openAudio(chunked(bytes, chunkSize), DEFAULT_OPTS);
  let samples = 0;
  for await (const block of stream.blocks) samples += block[0].length;
  return { samples, warnings: stream.warnings };
}

const tone = (n: number) => Int16Array.from({ length: n }, (_, i) => Math.round(9000 * Math.sin(i / 7)));

describe('TRUNCATED_INPUT', () => {
  it('a WAV whose header declares 5.9 s and holds 2 s: the 2 s are analysed, with declaredMs and decodedMs', async () => {
    const full = wav16([tone(16000 * 5.9)], 16000);
    const cut = full.subarray(0, 44 + 2 * 32000);
    const { samples, warnings } = await decode(cut);
    expect(samples).toBe(32000);
    expect(warnings).toEqual([{ code: 'TRUNCATED_INPUT', declaredMs: 5900, decodedMs: 2000, message: expect.stringMatching(/declares 5\.900 s but the stream ends after 2\.000 s/) }]);
    expect((await decode(full)).warnings).toEqual([]);
  });

  it('FLAC short of its STREAMINFO length', async () => {
    const flac = encodeFlac16([tone(16000 * 3)], { sampleRate: 16000, blockSize: 4096 });
    expect((await decode(flac)).warnings).toEqual([]);
    const { warnings } = await decode(flac.subarray(0, flac.length >> 1));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'TRUNCATED_INPUT', declaredMs: 3000 });
    expect(warnings[0].decodedMs).toBeLessThan(2000);
  });

  it('MP3 cut inside its last frame (the decoder drops it silently) and MP3 short of its Xing/Info count', async () => {
    for (const name of ['mono-16k.mp3', 'stereo-24k.mp3']) {
      const mp3 = fixture(name);
      expect((await decode(mp3)).warnings, name).toEqual([]);
      const midFrame = await decode(mp3.subarray(0, mp3.length - 37));
      expect(midFrame.warnings, name).toEqual([expect.objectContaining({ code: 'TRUNCATED_INPUT', message: expect.stringMatching(/ends inside a frame/) })]);
    }
    // mono-16k.mp3 counts 30 frames of 576 samples (1.08 s with the encoder's delay): keep 6 whole frames.
    const mp3 = fixture('mono-16k.mp3');
    let end = 0;
    for (let frames = 0; frames < 6; frames++) {
      end += parseMpegFrameHeader(mp3, end)!.frameBytes;
    }
    const { warnings } = await decode(mp3.subarray(0, end));
    expect(warnings).toEqual([expect.objectContaining({ code: 'TRUNCATED_INPUT', declaredMs: 1080, message: expect.stringMatching(/declares 1\.080 s/) })]);
  });

  it('Ogg Opus cut inside a page', async () => {
    const opus = fixture('mono.opus');
    expect((await decode(opus)).warnings).toEqual([]);
    const { warnings } = await decode(opus.subarray(0, opus.length - 100));
    expect(warnings).toEqual([{ code: 'TRUNCATED_INPUT', decodedMs: expect.any(Number), message: expect.stringMatching(/ogg stream ends inside a frame/) }]);
  });

  it('the page/frame tracker gives the same answer however the bytes are split', () => {
    const opus = fixture('mono.opus');
    for (const [bytes, inside] of [[opus, false], [opus.subarray(0, opus.length - 1), true], [opus.subarray(0, 30), true]] as const) {
      for (const size of [1, 3, 27, 4096]) {
        const tracker = UnitTracker.ogg();
        for (let i = 0; i < bytes.length; i += size) tracker.feed(bytes.subarray(i, i + size));
        expect(tracker.endedInsideUnit, `${bytes.length} bytes in ${size}-byte slices`).toBe(inside);
      }
    }
    // Trailing junk (an ID3v1 tag after the last MPEG frame) stops the following: no false alarm.
    const mp3 = fixture('mono-16k.mp3');
    const tagged = new Uint8Array(mp3.length + 128);
    tagged.set(mp3);
    tagged.set(new TextEncoder().encode('TAG'), mp3.length);
    const tracker = UnitTracker.mpeg();
    tracker.feed(tagged);
    expect(tracker.endedInsideUnit).toBe(false);
  });
});
