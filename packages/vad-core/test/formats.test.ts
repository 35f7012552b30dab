/**
 * Issue acceptance: copies of vad_example.wav in other formats, generated here in code, against the
 * 16 kHz golden result. Measured deviations and the reasons where "within 20 ms" does not hold are in
 * FORMATS.md (regenerate the numbers with FORMATS_REPORT=1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Vad } from '../dist/index.js';
import { ALAW_TO_LINEAR, MULAW_TO_LINEAR } from '../src/audio/g711.js';
import { encodeFlac16 } from '../src/audio/testing/flac-writer.js';
import { GOLDEN, MODEL_DIR } from './fixtures.js';
import { bestLag, decodeChannel0 } from './support/decode-mono.js';
import { exampleSamples } from './support/example-samples.js';
import { encodeAlaw, encodeMulaw, linearToAlaw, linearToMulaw } from './support/g711-encoder.js';
import { LAME_ENCODER_DELAY, MP3_DECODER_DELAY, encodeMp3, withLameTag } from './support/mp3-encoder.js';
import { wavOf } from './support/sample-packing.js';
import { deviation, type Seg } from './support/segment-deviation.js';
import { resample, toInt16 } from './support/windowed-sinc.js';

const x = exampleSamples();
const memo = new Map<string, unknown>();
const once = <T>(key: string, make: () => T): T => {
  if (!memo.has(key)) memo.set(key, make());
  return memo.get(key) as T;
};
const at44k = () => once('44k', () => toInt16(resample(x, 16000, 44100)));
const at96k = () => once('96k', () => toInt16(resample(x, 16000, 96000)));
const at8k = () => once('8k', () => toInt16(resample(x, 16000, 8000)));
const mp3At16k = () => once('mp3-16k', () => encodeMp3(x, 16000, 64));

/** Hang guard for the cases that generate audio (resampling, MP3 encoding take seconds); not a timing assertion. */
const SLOW = 30_000;
/** Boundaries move by whole 10 ms frames. */
const FRAME_MS = 10;
const report: Record<string, object> = {};

let vad: Vad;
beforeAll(async () => {
  vad = await Vad.create({ modelDir: MODEL_DIR, threads: 2 });
});
afterAll(async () => {
  await vad.close();
  if (process.env.FORMATS_REPORT) console.table(report);
});

async function segmentsOf(name: string, bytes: Uint8Array): Promise<Seg[]> {
  const result = await vad.detect(bytes);
  expect(result.channels).toHaveLength(1);
  const segments = result.channels[0].segments;
  report[name] = { segments: segments.length, ...deviation(segments, GOLDEN), durationMs: result.durationMs };
  return segments;
}

describe('lossless copies: exactly the golden result (the int16-scale values are identical, spec §3.1)', () => {
  const cases: [string, () => Uint8Array][] = [
    ['PCM 24-bit', () => wavOf('pcm24', [x], 16000)],
    ['PCM 24-bit in WAVE_FORMAT_EXTENSIBLE', () => wavOf('pcm24', [x], 16000, { extensible: true })],
    ['PCM 32-bit', () => wavOf('pcm32', [x], 16000)],
    ['float32', () => wavOf('float32', [x], 16000)],
    ['float64', () => wavOf('float64', [x], 16000)],
    ['FLAC 16-bit', () => encodeFlac16([x], { sampleRate: 16000 })],
  ];
  it.each(cases)('%s', async (name, make) => {
    expect(await segmentsOf(name, make())).toEqual(GOLDEN);
  });

  it('stereo: each channel on its own; channel 1 (the example 1 s later) gives the golden result 1 s later', async () => {
    const later = new Int16Array(x.length);
    later.set(x.subarray(0, x.length - 16000), 16000);
    const result = await vad.detect(wavOf('pcm16', [x, later], 16000));
    expect(result.channels[0]).toEqual({ channel: 0, segments: GOLDEN });
    // A shift by exactly 100 frames: identical decisions. The file still ends at 70.471 s, so the last
    // utterance is cut there (the last frame ends at 70450 ms, as in the golden result).
    const shifted = GOLDEN.map(([s, e]) => [s + 1000, Math.min(e + 1000, 70450)]);
    expect(result.channels[1]).toEqual({ channel: 1, segments: shifted });
    expect(result.durationMs).toBe(70471);
  });
});

describe('resampled copies', () => {
  it('44.1 kHz PCM16 (windowed-sinc upsampled): 12 segments, every boundary within 20 ms', async () => {
    const segments = await segmentsOf('44.1 kHz PCM16', wavOf('pcm16', [at44k()], 44100));
    const d = deviation(segments, GOLDEN);
    expect(d.sameCount).toBe(true);
    expect(d.maxMs).toBeLessThanOrEqual(20); // measured 10: one frame, where a decision is marginal (spec §3.3)
  }, SLOW);

  it('96 kHz float32 (windowed-sinc upsampled): 12 segments, every boundary within 20 ms', async () => {
    const segments = await segmentsOf('96 kHz float32', wavOf('float32', [at96k()], 96000));
    const d = deviation(segments, GOLDEN);
    expect(d.sameCount).toBe(true);
    expect(d.maxMs).toBeLessThanOrEqual(20);
  }, SLOW);

  // Telephone band: 8 kHz keeps nothing above 4 kHz. The model, trained on 16 kHz speech, sees less
  // energy in the fricatives and breaths at utterance edges, so segments end up to ~110 ms earlier and
  // some start up to ~90 ms earlier; one pause inside [23950, 26250] becomes long enough to split it
  // (13 segments, as spec §3.3 says). Every utterance stays covered. Not within 20 ms, by the band, not
  // the codec: G.711 stays within 20 ms of the same audio as 8 kHz PCM16.
  describe('8 kHz telephone band (low-passed at 3.8 kHz, decimated)', () => {
    let pcm: Seg[];
    beforeAll(async () => {
      pcm = await segmentsOf('8 kHz PCM16', wavOf('pcm16', [at8k()], 8000));
    }, SLOW);

    it('PCM16: 13 segments (one split), every golden segment covered, every golden boundary within 120 ms of one', () => {
      const d = deviation(pcm, GOLDEN);
      expect(pcm.length).toBe(13);
      expect(d.everyReferenceCovered).toBe(true);
      expect(d.maxMs).toBeLessThanOrEqual(120); // measured 100
      // The extra boundaries are a split inside golden [23950, 26250].
      const inside = pcm.filter(([s, e]) => s >= 23950 - 100 && e <= 26250);
      expect(inside).toHaveLength(2);
    });

    it.each([
      ['μ-law', () => wavOf('mulaw', [encodeMulaw(at8k())], 8000)],
      ['A-law', () => wavOf('alaw', [encodeAlaw(at8k())], 8000)],
    ])('G.711 %s: as the 8 kHz PCM16 copy within 20 ms, so the same coverage of the golden result', async (name, make) => {
      const segments = await segmentsOf(`8 kHz ${name}`, make());
      const vsPcm = deviation(segments, pcm);
      expect(vsPcm.sameCount).toBe(true);
      expect(vsPcm.maxMs).toBeLessThanOrEqual(20); // measured 10
      expect(Math.abs(segments.length - GOLDEN.length)).toBeLessThanOrEqual(2);
      expect(deviation(segments, GOLDEN).everyReferenceCovered).toBe(true);
    });
  });
});

describe('MP3 (lamejs, mono CBR; mpg123 decodes)', () => {
  it('16 kHz 64 kbit/s with a LAME gapless tag: the decoder trims the delay; 12 segments within 20 ms', async () => {
    const tagged = withLameTag(mp3At16k(), x.length);
    const decoded = await decodeChannel0(tagged);
    expect(decoded.length).toBe(x.length);
    expect(bestLag(x, decoded, -50, 1500)).toBe(0);
    const d = deviation(await segmentsOf('MP3 16 kHz 64k, LAME tag', tagged), GOLDEN);
    expect(d.sameCount).toBe(true);
    expect(d.maxMs).toBeLessThanOrEqual(20);
  }, SLOW);

  // Without the tag (lamejs writes none) nothing tells the decoder about LAME's 576 + 529 samples of
  // delay, so every boundary comes ~69 ms late. After subtracting the measured delay, lossy coding still
  // moves marginal decisions by up to two frames, plus up to one frame of rounding since the delay is not
  // a multiple of 10 ms: within 30 ms, not 20.
  const untagged: [string, number, () => Uint8Array][] = [
    ['16 kHz 64 kbit/s', 16000, mp3At16k],
    ['44.1 kHz 128 kbit/s (MPEG-1)', 44100, () => encodeMp3(at44k(), 44100, 128)],
  ];
  it.each(untagged)('%s without a gapless tag: late by the codec delay; within 30 ms once it is subtracted', async (name, rate, make) => {
    const mp3 = make();
    const delay = ((LAME_ENCODER_DELAY + MP3_DECODER_DELAY) * 16000) / rate; // in 16 kHz samples
    const lag = bestLag(x, await decodeChannel0(mp3), -50, 1500);
    expect(Math.abs(lag - delay)).toBeLessThanOrEqual(1); // measured 1105 and 401 (= 1105 at 44.1 kHz)
    const segments = await segmentsOf(`MP3 ${name}, no tag`, mp3);
    const delayMs = lag / 16;
    const compensated = deviation(segments, GOLDEN, delayMs);
    report[`MP3 ${name}, no tag`] = { ...report[`MP3 ${name}, no tag`], delayMs, compensatedMaxMs: compensated.maxMs };
    expect(compensated.sameCount).toBe(true);
    expect(compensated.maxMs).toBeLessThanOrEqual(3 * FRAME_MS); // measured 20.9 and 24.9
    expect(deviation(segments, GOLDEN).maxMs).toBeLessThanOrEqual(delayMs + 3 * FRAME_MS);
  }, SLOW);
});

describe('the test helpers themselves', () => {
  it('the G.711 encoders invert the library’s expansion tables (μ-law +0/−0 both decode to 0)', () => {
    for (let code = 0; code < 256; code++) {
      expect(linearToAlaw(ALAW_TO_LINEAR[code])).toBe(code);
      if (code !== 0x7f) expect(linearToMulaw(MULAW_TO_LINEAR[code])).toBe(code);
    }
    expect(linearToMulaw(32767)).toBe(0x80);
    expect(linearToAlaw(-32768)).toBe(0x2a);
  });

  it('the windowed-sinc resampler reproduces a 3 kHz tone at 44.1 and 8 kHz within −80 dB', () => {
    const tone = (rate: number, n: number) => Float64Array.from({ length: n }, (_, i) => 10000 * Math.sin((2 * Math.PI * 3000 * i) / rate));
    for (const rate of [44100, 8000]) {
      const y = resample(tone(16000, 16000), 16000, rate);
      expect(y.length).toBe(rate);
      const want = tone(rate, rate);
      let err = 0;
      for (let i = rate / 10; i < rate - rate / 10; i++) err = Math.max(err, Math.abs(y[i] - want[i]));
      expect(err / 10000).toBeLessThan(1e-4);
    }
  });
});
