/** Silero v6.2 against the check values of silero-vad.md §9 (probabilities and segments, exactly). */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcm16Samples } from '../../testing/example-audio.js';
import { HAS_SOX, sharedPcm, soxCheckFile } from '../../testing/silero-audio.js';
import { SILERO_DEFAULTS, type SileroParams } from './params.js';
import { createSileroSession, type SileroSession } from './session.js';
import { speechSamples, speechSegments } from './speech-timestamps.js';
import { runSileroPack } from './stream-kernel.js';
import { STATE_SIZE, geometryFor } from './windowing.js';
import { loadSileroWeights, SILERO_WEIGHTS_SHA256 } from './weights.js';

let session: SileroSession;

beforeAll(async () => {
  const weights = await loadSileroWeights();
  expect(weights.sha256).toBe(SILERO_WEIGHTS_SHA256);
  session = await createSileroSession(weights.path, 'cpu');
});
afterAll(() => session?.release());

async function probsOf(samples: Float32Array, rate: number): Promise<Float32Array> {
  const { context } = geometryFor(rate);
  const run = await runSileroPack([{ samples, sampleRate: rate, state: new Float32Array(2 * STATE_SIZE), context: new Float32Array(context) }], session);
  return run.results[0].probs;
}

const sum = (p: Float32Array) => p.reduce((a, b) => a + b, 0);
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

const EXAMPLE_MS = [[450,1438],[1602,2174],[2850,3934],[4034,5118],[5346,6014],[6658,7934],[8098,8638],[8770,9342],
  [9602,10462],[10690,11966],[12386,13118],[13218,13854],[14114,14558],[14722,15486],[16066,17886],
  [17986,20926],[21154,22046],[22466,23454],[24066,24702],[25122,26014],[27074,28798],[30210,31294],
  [32034,33054],[33154,34718],[34882,35294],[35586,36414],[36546,37502],[38466,38974],[39234,42174],
  [42434,43486],[43810,44606],[44802,46814],[47586,48606],[48738,49438],[50146,52158],[52450,56414],
  [56994,59486],[60066,60862],[61026,62110],[62274,62686],[63106,63678],[63970,70471]];

describe('silero-vad.md §9.1: 16 kHz, defaults', { timeout: 120_000 }, () => {
  const cases = [
    { file: 'hello_zh.wav', samples: 37120, windows: 73, sum: 33.669825, segments: [[482, 1694]], inSamples: [[7712, 27104]] },
    { file: 'hello_en.wav', samples: 35840, windows: 70, sum: 33.986068, segments: [[450, 1630]], inSamples: [[7200, 26080]] },
    {
      file: 'event.wav', samples: 352256, windows: 688, sum: 445.737318,
      segments: [[1122,1502],[2050,2590],[2690,8574],[10818,11166],[12450,22016]],
      inSamples: [[17952,24032],[32800,41440],[43040,137184],[173088,178656],[199200,352256]],
    },
  ];
  for (const c of cases) {
    it(c.file, async () => {
      const pcm = sharedPcm(c.file);
      expect(pcm.length).toBe(c.samples);
      const probs = await probsOf(pcm, 16000);
      expect(probs.length).toBe(c.windows);
      expect(round6(sum(probs))).toBe(c.sum);
      expect(speechSegments(probs, pcm.length, 16000, 512, SILERO_DEFAULTS)).toEqual(c.segments);
      expect(speechSamples(probs, pcm.length, 16000, 512, SILERO_DEFAULTS)).toEqual(c.inSamples);
    });
  }

  it('vad_example.wav: probabilities, 42 segments, and the §9.3 parameter cases', async () => {
    const pcm = sharedPcm('vad_example.wav');
    const probs = await probsOf(pcm, 16000);
    expect(probs.length).toBe(2203);
    expect(round6(sum(probs))).toBe(1593.362458);
    expect(Array.from(probs.subarray(0, 10), round6)).toEqual([0.022501, 0.011242, 0.007378, 0.008237, 0.005748, 0.005955, 0.005285, 0.004659, 0.009915, 0.006263]);
    expect(probs.findIndex((p) => p >= 0.5)).toBe(15);
    expect(round6(probs[15])).toBe(0.670464);
    expect(probs.filter((p) => p >= 0.5).length).toBe(1556);
    expect(probs.filter((p) => p < 0.35).length).toBe(612);
    const seg = (p: Partial<SileroParams>) => speechSegments(probs, pcm.length, 16000, 512, { ...SILERO_DEFAULTS, ...p });
    expect(seg({})).toEqual(EXAMPLE_MS);
    const samples = speechSamples(probs, pcm.length, 16000, 512, SILERO_DEFAULTS);
    expect(samples[0]).toEqual([7200, 23008]);
    expect(samples.at(-1)).toEqual([1023520, 1127530]);

    // §9.3
    expect(seg({ maxSpeechMs: 5000 })).toEqual([...EXAMPLE_MS.slice(0, -1), [63970, 68944], [68944, 70471]]);
    expect(seg({ minSilenceMs: 500 })).toEqual([[450,2174],[2850,6014],[6658,15486],[16066,23454],[24066,26014],[27074,28798],[30210,31294],[32034,37502],[38466,46814],[47586,49438],[50146,56414],[56994,59486],[60066,70471]]);
    expect(seg({ minSilenceMs: 500, maxSpeechMs: 5000 })).toEqual([[450,2174],[2850,6014],[6658,9342],[9602,11966],[12386,15486],[16066,17886],[17986,22046],[22466,23454],[24066,26014],[27074,28798],[30210,31294],[32034,35294],[35586,37502],[38466,38974],[39234,43486],[43810,46814],[47586,49438],[50146,52158],[52450,56414],[56994,59486],[60066,62686],[63106,68080],[68080,70471]]);
    const padded = seg({ speechPadMs: 100 });
    expect(padded.length).toBe(42);
    expect(padded.slice(0, 4)).toEqual([[380,1508],[1532,2244],[2780,3984],[3984,5188]]);
    expect(seg({ threshold: 0.7 }).length).toBe(45);
    expect(seg({ threshold: 0.3 }).length).toBe(39);
  });

  it('digital silence and empty input give no segments', async () => {
    const silence = await probsOf(new Float32Array(16000), 16000);
    expect(Math.max(...silence)).toBeLessThanOrEqual(0.009);
    expect(speechSegments(silence, 16000, 16000, 512, SILERO_DEFAULTS)).toEqual([]);
    const empty = await probsOf(new Float32Array(0), 16000);
    expect(empty.length).toBe(0);
    expect(speechSegments(empty, 0, 16000, 512, SILERO_DEFAULTS)).toEqual([]);
  });
});

describe.skipIf(!HAS_SOX)('silero-vad.md §9.2: 8 kHz, native (needs SoX to make the check file)', { timeout: 120_000 }, () => {
  it('vad_example_8k.wav: probabilities and 39 segments', async () => {
    const pcm = Float32Array.from(pcm16Samples(readFileSync(soxCheckFile('vad_example_8k.wav'))));
    expect(pcm.length).toBe(563765);
    const probs = await probsOf(pcm, 8000);
    expect(probs.length).toBe(2203);
    expect(round6(sum(probs))).toBe(1604.452642);
    expect(Array.from(probs.subarray(0, 10), round6)).toEqual([0.049675, 0.019342, 0.034057, 0.033964, 0.027469, 0.025151, 0.022905, 0.023991, 0.038442, 0.025864]);
    const samples = speechSamples(probs, pcm.length, 8000, 256, SILERO_DEFAULTS);
    expect(samples[0]).toEqual([3088, 11760]);
    expect(speechSegments(probs, pcm.length, 8000, 256, SILERO_DEFAULTS)).toEqual([[386,1470],[1602,2206],[2850,3934],[4034,5118],[5346,6046],[6658,7902],[8130,8670],[8770,9406],
      [9602,10494],[10690,11966],[12354,13886],[14114,14558],[14722,15486],[16066,20958],[21186,22078],
      [22466,23454],[24098,24702],[25122,26046],[27074,28830],[30210,31294],[32002,34750],[34850,35262],
      [35586,36414],[36546,37534],[38466,39006],[39202,42110],[42434,43518],[43810,44638],[44802,46814],
      [47586,49438],[50146,52190],[52450,54014],[54114,56382],[56994,59518],[60066,60894],[61026,62142],
      [62274,62686],[63106,63678],[63970,70471]]);
  });
});
