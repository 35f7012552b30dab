import { describe, expect, it } from 'vitest';
import { decodeFrameProbs } from './frame-probs.js';
import { FUNASR_POST_DEFAULTS } from './post-config.js';
import { buildResultDocument } from './result-document.js';

const identity = { jobId: 'job1', input: { bucket: 'in', key: 'a.wav', etag: 'x' } };
const probs = { config: FUNASR_POST_DEFAULTS, channels: [new Float32Array([0.25, 0.5])] };

describe('buildResultDocument', () => {
  it('is the detection, stamped with the job (input as bucket and key only), with its frame probabilities', () => {
    const result = { durationMs: 1000, channels: [{ channel: 0, segments: [[0, 500]] as [number, number][] }], version: '1' };
    const { json, frameProbs } = buildResultDocument(result, probs, identity);
    expect(JSON.parse(JSON.stringify(json))).toEqual({ ...result, jobId: 'job1', input: { bucket: 'in', key: 'a.wav' }, cached: false });
    expect(decodeFrameProbs(frameProbs).channels).toEqual(probs.channels);
  });

  it('adds QA statistics to two-channel calls, with the roles given', () => {
    const result = { durationMs: 10_000, channels: [{ channel: 0, segments: [[0, 4000]] as [number, number][] }, { channel: 1, segments: [[5000, 9000]] as [number, number][] }] };
    const { json } = buildResultDocument(result, { ...probs, channels: [new Float32Array(0), new Float32Array(0)] }, { ...identity, roles: { 0: 'customer', 1: 'agent' } });
    expect(json.qa?.channels.map((c) => c.role)).toEqual(['customer', 'agent']);
  });
});
