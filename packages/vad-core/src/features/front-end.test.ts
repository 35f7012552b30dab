import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCmvn } from './cmvn.js';
import { Fbank, NUM_MEL_BINS, frameCount } from './fbank.js';
import { FrontEnd, modelStartFor } from './front-end.js';
import { MODEL_DIR, examplePcm } from '../testing/example-audio.js';



describe('fbank (spec §4, check values of §14)', () => {
  const samples = examplePcm();
  const fbank = new Fbank();
  const row = new Float64Array(NUM_MEL_BINS);

  it('reads the example as 1,127,530 samples and 7045 frames', () => {
    expect(samples.length).toBe(1_127_530);
    expect(frameCount(samples.length)).toBe(7045);
    expect(Array.from(samples.subarray(0, 5))).toEqual([41, 44, 26, 13, 19]);
  });

  it.each([
    [0, [8.831757, 9.175948, 8.053865, 10.513207, 11.073129]],
    [3000, [9.082532, 9.058716, 7.351735, 12.35962, 12.604164]],
  ])('frame %i matches FunASR within 1e-4', (frame, expected) => {
    fbank.computeFrame(samples, frame * 160, row, 0);
    [0, 1, 2, 40, 79].forEach((bin, i) => expect(Math.abs(row[bin] - expected[i])).toBeLessThan(1e-4));
  });

  it('floors digital silence at ln(FLT_EPSILON)', () => {
    fbank.computeFrame(new Float32Array(400), 0, row, 0);
    for (const v of row) expect(v).toBeCloseTo(Math.log(1.1920928955078125e-7), 10);
  });
});

describe('LFR + CMVN (spec §5)', () => {
  const samples = examplePcm();
  const cmvn = parseCmvn(readFileSync(`${MODEL_DIR}/am.mvn`, 'utf8'));
  const frontEnd = new FrontEnd(cmvn);

  it.each([
    [0, [0.080984, 0.088834, 0.080984, 0.080984, -0.009733]],
    [3000, [0.05873, -0.031636, 0.123036, 0.120048, 0.003892]],
  ])('frame %i matches FunASR within 1e-4', (frame, expected) => {
    const keepFrom = frame;
    const fbankStart = Math.max(0, modelStartFor(keepFrom) - 2);
    const task = { samples: samples.subarray(fbankStart * 160), fbankStart, keepFrom, keepTo: frame + 1, atStreamEnd: false, withEnergy: false };
    const { features, modelStart } = frontEnd.computeModelInput(task);
    const base = (frame - modelStart) * 400;
    [0, 1, 80, 160, 399].forEach((d, i) => expect(Math.abs(features[base + d] - expected[i])).toBeLessThan(1e-4));
  });

  it('gives identical features for a frame whatever piece computes it', () => {
    const whole = frontEnd.computeModelInput({ samples, fbankStart: 0, keepFrom: 0, keepTo: 7045, atStreamEnd: true, withEnergy: false });
    const reference = Float32Array.from(whole.features.subarray(5000 * 400, 7045 * 400));
    const fbankStart = modelStartFor(5000) - 2;
    const piece = frontEnd.computeModelInput({ samples: samples.subarray(fbankStart * 160), fbankStart, keepFrom: 5000, keepTo: 7045, atStreamEnd: true, withEnergy: false });
    const kept = piece.features.subarray((5000 - piece.modelStart) * 400);
    expect(Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength).equals(Buffer.from(reference.buffer))).toBe(true);
  });

  it('rejects a malformed am.mvn with MODEL_INVALID', () => {
    expect(() => parseCmvn('<Nnet>\n<AddShift> 400 400\n<LearnRateCoef> 0 [ 1 2 3 ]\n')).toThrow(expect.objectContaining({ code: 'MODEL_INVALID' }));
  });
});
