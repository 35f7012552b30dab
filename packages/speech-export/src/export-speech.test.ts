import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpeechExportInput } from '@vadfleet/shared/speech-export';
import { describe, expect, it } from 'vitest';
import { wav16 } from '../../vad-core/src/audio/testing/wav-writer.js';
import { expectVadError } from '../../vad-core/src/audio/testing/expect-vad-error.js';
import { expectSameSamples } from '../../vad-core/src/audio/testing/collect-audio.js';
import { exportSpeech } from './export-speech.js';
import { FileStore } from './object-store.js';
import { parseSpeechOptions } from './speech-options.js';
import type { Segment } from '@vadfleet/vad-core';
import { chunked, concatInt16, decodedAt, mulawStereo, noise, readExported, tempDir } from './testing/export-fixtures.js';
import { joinedToSource, sourceToJoined, type TimeMapEntry } from './timemap.js';

const mp3Fixture = new Uint8Array(readFileSync(new URL('../../vad-core/src/audio/testing/fixtures/stereo-24k.mp3', import.meta.url)));

async function run(bytes: Uint8Array, segments: Segment[][], durationMs: number, options: SpeechExportInput) {
  const dir = await tempDir();
  const result = await exportSpeech({
    source: chunked(bytes, 7777),
    channels: segments.map((s, channel) => ({ channel, segments: s })),
    durationMs,
    options: parseSpeechOptions(options),
    store: new FileStore(dir),
    base: 'job',
  });
  return { dir, result };
}

const at = (ms: number, rate: number) => Math.round((ms * rate) / 1000);

describe('clips are the exact samples [round(start·sr/1000), round(end·sr/1000))', () => {
  it('16 kHz PCM16 at the source rate: the clip bytes are the source bytes', async () => {
    const x = noise(16000 * 5, 7);
    const bytes = wav16([x], 16000);
    const segments: Segment[] = [[130, 1270], [1270, 2000], [3010, 4990]];
    for (const rate of ['source', 16000] as const) {
      const { dir, result } = await run(bytes, [segments], 5000, { sampleRate: rate });
      const objects = result.channels[0].objects;
      expect(objects.map((o) => o.key)).toEqual(['job/ch0/0-130-1270.wav', 'job/ch0/1-1270-2000.wav', 'job/ch0/2-3010-4990.wav']);
      for (const [i, [start, end]] of segments.entries()) {
        const file = new Uint8Array(await readFile(join(dir, objects[i].key)));
        const source = bytes.subarray(44 + 2 * at(start, 16000), 44 + 2 * at(end, 16000));
        expect(Buffer.from(file.subarray(44)).equals(Buffer.from(source))).toBe(true);
        expect(objects[i]).toMatchObject({ bytes: file.length, durationMs: end - start, segmentIndex: i, startMs: start, endMs: end });
      }
      expect(result.channels[0].speechMs).toBe(1140 + 730 + 1980);
      expect(result.channels[0].removedRatio).toBeCloseTo(1 - 3850 / 5000, 4);
    }
  });

  const cases: { name: string; bytes: () => Uint8Array; durationMs: number; segments: Segment[][] }[] = [
    { name: '8 kHz μ-law stereo', bytes: () => mulawStereo(8000 * 4, 3), durationMs: 4000, segments: [[[20, 333], [400, 990]], [[0, 125], [500, 1000]]] },
    { name: 'MP3 stereo 24 kHz', bytes: () => mp3Fixture, durationMs: 500, segments: [[[20, 181], [210, 470]], [[0, 125], [300, 500]]] },
  ];
  for (const c of cases) {
    for (const rate of [16000, 8000, 'source'] as const) {
      it(`${c.name} at ${rate}: every clip equals the decoder's own samples, in WAV and FLAC`, async () => {
        const bytes = c.bytes();
        const decoded = await decodedAt(bytes, rate);
        const segments = c.segments;
        for (const format of ['wav', 'flac'] as const) {
          const { dir, result } = await run(bytes, segments, c.durationMs, { sampleRate: rate, format });
          expect(result.sampleRate).toBe(decoded.rate);
          for (const ch of result.channels) {
            expect(ch.objects).toHaveLength(2);
            for (const [i, [start, end]] of segments[ch.channel].entries()) {
              const clip = await readExported(join(dir, ch.objects[i].key));
              expect(clip.rate).toBe(decoded.rate);
              expectSameSamples(clip.samples, decoded.channels[ch.channel].subarray(at(start, decoded.rate), at(end, decoded.rate)));
            }
          }
        }
      });
    }
  }
});

describe('joined tracks and the time map', () => {
  it('length = pieces + gaps; every joined sample maps back to its source sample and round-trips within one sample', async () => {
    const bytes = mulawStereo(8000 * 6, 11);
    const decoded = await decodedAt(bytes, 16000);
    const segments: Segment[][] = [[[100, 900], [1500, 1720], [4000, 6000]], [[50, 60]]];
    const { dir, result } = await run(bytes, segments, 6000, { layout: 'joined', gapMs: 250, padMs: 40 });
    const rate = 16000;
    for (const ch of result.channels) {
      expect(ch.objects.map((o) => o.key)).toEqual([`job/ch${ch.channel}.wav`]);
      expect(ch.mapKey).toBe(`job/ch${ch.channel}.map.json`);
      const map = JSON.parse(await readFile(join(dir, ch.mapKey!), 'utf8')) as TimeMapEntry[];
      const track = (await readExported(join(dir, ch.objects[0].key))).samples;
      const pieceSamples = map.map((e) => at(e.durationMs, rate));
      const gap = at(250, rate);
      expect(track.length).toBe(pieceSamples.reduce((a, b) => a + b, 0) + gap * (map.length - 1));
      expect(ch.objects[0].durationMs).toBe((track.length * 1000) / rate);
      const source = decoded.channels[ch.channel];
      for (const entry of map) {
        const out = at(entry.outStartMs, rate);
        const src = at(entry.srcStartMs, rate);
        expectSameSamples(track.subarray(out, out + at(entry.durationMs, rate)), source.subarray(src, src + at(entry.durationMs, rate)));
        for (let k = 0; k < at(entry.durationMs, rate); k += 97) {
          const outMs = ((out + k) * 1000) / rate;
          const back = joinedToSource(map, outMs);
          expect(back.inGap).toBe(false);
          expect(Math.abs(back.srcMs - ((src + k) * 1000) / rate)).toBeLessThan(1000 / rate);
          expect(Math.abs(sourceToJoined(map, back.srcMs)! - outMs)).toBeLessThan(1000 / rate);
        }
      }
      if (map.length > 1) expect(joinedToSource(map, map[0].outStartMs + map[0].durationMs + 10).inGap).toBe(true);
    }
    // Padding: 40 ms each side, clipped at the file start and the file end.
    const map0 = JSON.parse(await readFile(join(dir, 'job/ch0.map.json'), 'utf8')) as TimeMapEntry[];
    expect(map0.map((e) => [e.srcStartMs, e.srcStartMs + e.durationMs])).toEqual([[60, 940], [1460, 1760], [3960, 6000]]);
    expect(result.channels[0].speechMs).toBe(880 + 300 + 2040);
  });
});

describe('maxClipMs', () => {
  it('splits a long segment at the centre of the quietest 10 ms frame of the last second before the limit', async () => {
    const rate = 16000;
    const x = noise(rate * 10, 5, 20000).map((v, i) => (Math.floor(i / 4000) % 3 === 2 ? v * 20 : v)); // no quiet stretches
    // A quiet frame at 2300–2310 ms (in 2000–3000, the first clip's window), one at 4805–4815 (the second
    // clip's window is 4305–5305, framed from its start).
    for (const [from, to] of [[2300, 2310], [4805, 4815]]) x.fill(3, at(from, rate), at(to, rate));
    const bytes = wav16([x], rate);
    const { dir, result } = await run(bytes, [[[0, 9000]]], 10000, { maxClipMs: 3000, format: 'flac' });
    const objects = result.channels[0].objects;
    expect(objects.slice(0, 2).map((o) => [o.startMs, o.endMs])).toEqual([[0, 2305], [2305, 4810]]);
    for (const [i, o] of objects.entries()) {
      expect(o.endMs! - o.startMs!).toBeLessThanOrEqual(3000);
      expect(o.startMs).toBe(i === 0 ? 0 : objects[i - 1].endMs);
    }
    expect(objects.at(-1)!.endMs).toBe(9000);
    expect(objects.every((o) => o.segmentIndex === 0)).toBe(true);
    const clips = await Promise.all(objects.map((o) => readExported(join(dir, o.key))));
    expectSameSamples(concatInt16(clips.map((c) => c.samples)), x.subarray(0, at(9000, rate)));
  });
});

describe('hostile options and inputs', () => {
  it.each([
    [{ layout: 'mp4' }, 'speech.layout'],
    [{ format: 'mp3' }, 'speech.format'],
    [{ sampleRate: 44100 }, 'speech.sampleRate'],
    [{ padMs: -1 }, 'speech.padMs'],
    [{ padMs: 1.5 }, 'speech.padMs'],
    [{ maxClipMs: 100 }, 'speech.maxClipMs'],
    [{ layout: 'joined', maxClipMs: 30000 }, 'speech.maxClipMs'],
    [{ gapMs: 100 }, 'speech.gapMs'],
    [{ colour: 'red' }, 'speech.colour'],
  ])('%j is INVALID_PARAMS naming %s', async (options, field) => {
    const err = await expectVadError(Promise.resolve().then(() => parseSpeechOptions(options as SpeechExportInput)), 'INVALID_PARAMS');
    expect(err.field).toBe(field);
  });

  it('a source that changed between detection and export is INVALID_AUDIO, and nothing is written', async () => {
    const bytes = wav16([noise(16000, 1)], 16000);
    await expectVadError(run(bytes, [[[0, 500]], [[0, 500]]], 1000, {}), 'INVALID_AUDIO', /change/);
  });

  it('a segment past the end of the audio ends with the audio', async () => {
    const x = noise(16000, 2);
    const { dir, result } = await run(wav16([x], 16000), [[[500, 1500]]], 1500, {});
    const clip = await readExported(join(dir, result.channels[0].objects[0].key));
    expectSameSamples(clip.samples, x.subarray(8000));
    expect(result.channels[0].objects[0].durationMs).toBe(500);
  });
});
