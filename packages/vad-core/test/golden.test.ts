import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveVadParams, type VadParamsInput } from '@vadfleet/shared/vad-params';
import { Vad } from '../dist/index.js';
import { EXAMPLE_WAV, GOLDEN, MODEL_DIR, chunked, exampleBytes } from './fixtures.js';

/** Spec §13 and §14: FunASR's results on the example, exactly. */
const EXPECTED: [string, VadParamsInput, number[][]][] = [
  ['defaults (meeting)', {}, GOLDEN],
  ['fast-dialogue', { preset: 'fast-dialogue' }, [[70,2350],[2590,5190],[5190,6210],[6400,12100],[12100,15870],[15870,22140],[22170,23690],[23810,24760],[24840,26270],[26770,29030],[29950,31450],[31750,35450],[35450,37600],[38210,42290],[42290,43720],[43720,46910],[47310,49640],[49890,52280],[52280,56470],[56740,59550],[59790,62920],[62920,63740],[63740,70450]]],
  ['lecture', { preset: 'lecture' }, [[70, 28970], [29960, 70450]]],
  ['noisy', { preset: 'noisy' }, [[70, 26310], [26790, 29040], [29950, 37610], [38210, 46920], [47400, 70450]]],
  ['max_single_segment_time = 10000', { maxSegmentMs: 10000 }, [[70,2340],[2620,6200],[6480,16490],[16490,23670],[23950,26250],[26780,28990],[29950,31430],[31750,37600],[38210,46900],[47310,49630],[49910,56460],[56740,59540],[59820,69830],[69830,70450]]],
];

describe('vad_example.wav against FunASR', () => {
  let vad: Vad;
  beforeAll(async () => {
    vad = await Vad.create({ modelDir: MODEL_DIR, threads: 2 });
  });
  afterAll(() => vad.close());

  it.each(EXPECTED)('%s', async (_name, params, expected) => {
    const result = await vad.detect(EXAMPLE_WAV, { params: resolveVadParams(params) });
    expect(result.channels).toEqual([{ channel: 0, segments: expected }]);
  });

  it('reports duration, model, params and version with the result', async () => {
    const result = await vad.detect(EXAMPLE_WAV);
    expect(result.durationMs).toBe(70471);
    expect(result.sampleRate).toBe(16000);
    expect(result.model).toEqual({ name: 'fsmn-vad', sha256: '3b10ac401cf3e73290d3734c22ac328f485697008f183a54e2ae2cbef6a4a1e4' });
    expect(result.params).toEqual({ preset: 'meeting', maxEndSilenceMs: 800, speechNoiseThres: 0.6, maxSegmentMs: 60000, boundaries: 'padded' });
  });

  it('matches the P(silence) check values of spec §14 within 1e-5', async () => {
    const probs = new Float32Array(7045);
    await vad.detect(EXAMPLE_WAV, { onFrameProbs: (_c, first, p) => probs.set(p, first) });
    const expected: [number, number][] = [[0, 0.5942283], [47, 0.001605117], [1000, 0.0004509764], [3000, 0.6291949], [7044, 0.4685254]];
    for (const [frame, p] of expected) expect(Math.abs(probs[frame] - p)).toBeLessThan(1e-5);
    let candidates = 0;
    for (const p of probs) if (1 - 2 * p >= 0.6) candidates++;
    expect(candidates).toBe(5471);
  });

  it('streams each segment as soon as it closes', async () => {
    const events = [];
    const stream = vad.detectStream(chunked(exampleBytes(), 32000));
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.segment)).toEqual(GOLDEN);
  });

  it('reports progress in audio ms up to the whole duration', async () => {
    const seen: number[] = [];
    await vad.detect(EXAMPLE_WAV, { pieceFrames: 1000, onProgress: (p) => seen.push(p.audioMsDone) });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(70450);
  });

  it('stops with the abort reason when aborted', async () => {
    const controller = new AbortController();
    const run = vad.detect(chunked(exampleBytes(), 16000), { signal: controller.signal, onProgress: () => controller.abort(new Error('stop')) , pieceFrames: 500 });
    await expect(run).rejects.toThrow('stop');
  });
});

describe('chunking and parallelism change nothing (bit for bit)', () => {
  const SECOND = 32000; // bytes of 16 kHz PCM16
  let reference: { segments: unknown; probs: Buffer };
  const vads: Vad[] = [];
  afterAll(() => Promise.all(vads.map((v) => v.close())));

  async function run(threads: number, source: () => AsyncIterable<Uint8Array> | string, pieceFrames?: number) {
    let vad = vads.find((v) => v.stats().threads === threads);
    if (!vad) vads.push((vad = await Vad.create({ modelDir: MODEL_DIR, threads })));
    const probs = new Float32Array(7045);
    const result = await vad.detect(source(), { pieceFrames, onFrameProbs: (_c, first, p) => probs.set(p, first) });
    return { segments: result.channels, probs: Buffer.from(probs.buffer) };
  }

  beforeAll(async () => {
    reference = await run(1, () => EXAMPLE_WAV, 100_000); // one piece: a single pass over the whole file
  });

  it.each([1, 7, 60])('byte chunks of %i s', async (seconds) => {
    const out = await run(1, () => chunked(exampleBytes(), seconds * SECOND));
    expect(out.segments).toEqual(reference.segments);
    expect(out.probs.equals(reference.probs)).toBe(true);
  });

  it.each([
    [2, 3600],
    [3, 2400],
    [2, 77],
  ])('%i threads, pieces of %i frames', async (threads, pieceFrames) => {
    const out = await run(threads, () => EXAMPLE_WAV, pieceFrames);
    expect(out.segments).toEqual(reference.segments);
    expect(out.probs.equals(reference.probs)).toBe(true);
  });
});
