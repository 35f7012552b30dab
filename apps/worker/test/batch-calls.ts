/**
 * Synthetic call-centre recordings for the batch tests and bench: stereo 8 kHz G.711 (μ-law, WAV format
 * tag 7, or A-law, tag 6) with one stretch of real speech per channel, cut from the example file, at a
 * known place; silence elsewhere.
 */
import { WAV_FORMAT, wavFile, wavPcm16 } from '@vadfleet/testkit/wav';
import { exampleWav } from './system.js';

export interface CallPlan {
  durationMs: number;
  /** Agent (channel 0): speech from the example file [fromMs, fromMs + lengthMs) placed at atMs. */
  agent: { fromMs: number; lengthMs: number; atMs: number };
  customer: { fromMs: number; lengthMs: number; atMs: number };
  law: 'mulaw' | 'alaw';
}

const SOURCE_RATE = 16_000;
const RATE = 8000;

/** Windowed-sinc low-pass for 16 k → 8 k: cut-off 3.6 kHz (below the new Nyquist), Blackman window. */
const TAPS = (() => {
  const n = 63;
  const fc = 3600 / SOURCE_RATE;
  const taps = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const m = i - (n - 1) / 2;
    const sinc = m === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * m) / (Math.PI * m);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (n - 1));
    taps[i] = sinc * w;
    sum += taps[i];
  }
  for (let i = 0; i < n; i++) taps[i] /= sum;
  return taps;
})();

let source16k: Int16Array | undefined;
function example16k(): Int16Array {
  source16k ??= wavPcm16(exampleWav());
  return source16k;
}

/** Low-pass filtered and decimated 8 kHz samples of the example's [fromMs, fromMs + lengthMs). */
function speech8k(fromMs: number, lengthMs: number): Float64Array {
  const src = example16k();
  const out = new Float64Array(Math.round((lengthMs * RATE) / 1000));
  const start = Math.round((fromMs * SOURCE_RATE) / 1000);
  const half = (TAPS.length - 1) / 2;
  for (let o = 0; o < out.length; o++) {
    const centre = start + 2 * o;
    let acc = 0;
    for (let t = 0; t < TAPS.length; t++) {
      const i = centre + t - half;
      if (i >= 0 && i < src.length) acc += TAPS[t] * src[i];
    }
    out[o] = acc;
  }
  return out;
}

/** ITU-T G.711 μ-law of a 16-bit sample. */
export function mulaw(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** ITU-T G.711 A-law of a 16-bit sample. */
export function alaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s >= 0 ? 0x80 : 0;
  if (s < 0) s = -s - 1;
  s >>= 3; // 13-bit magnitude
  let code: number;
  if (s < 32) code = s >> 1;
  else {
    let exponent = 1;
    while (s >= 64 << (exponent - 1) && exponent < 7) exponent++;
    code = (exponent << 4) | ((s >> exponent) & 0x0f);
  }
  return (code | sign) ^ 0x55;
}

/** The WAV bytes of a call. */
export function makeCall(plan: CallPlan): Buffer {
  const frames = Math.round((plan.durationMs * RATE) / 1000);
  const channels = [new Float64Array(frames), new Float64Array(frames)];
  for (const [c, part] of [plan.agent, plan.customer].entries()) {
    const speech = speech8k(part.fromMs, part.lengthMs);
    channels[c].set(speech.subarray(0, Math.max(0, frames - Math.round((part.atMs * RATE) / 1000))), Math.round((part.atMs * RATE) / 1000));
  }
  const encode = plan.law === 'mulaw' ? mulaw : alaw;
  const data = Buffer.alloc(frames * 2);
  for (let f = 0; f < frames; f++) {
    data[2 * f] = encode(channels[0][f]);
    data[2 * f + 1] = encode(channels[1][f]);
  }
  return wavFile({ formatTag: plan.law === 'mulaw' ? WAV_FORMAT.mulaw : WAV_FORMAT.alaw, channels: 2, sampleRate: RATE, bitsPerSample: 8 }, data);
}

/**
 * The i-th call of a test set: agent speech (example 2.6–6.2 s, a continuous stretch) then the customer
 * (example 6.5–9.0 s), shifted by a few ms per call so every file is different (no cache hits).
 */
export function planCall(i: number, durationMs = 8000): CallPlan {
  if (durationMs < 5000) throw new RangeError('planned calls are at least 5 s long');
  const shift = (i * 7) % 400;
  return {
    durationMs,
    agent: { fromMs: 2600, lengthMs: 3000, atMs: 300 + shift },
    customer: { fromMs: 6480, lengthMs: Math.min(2500, durationMs - 4100 - shift), atMs: 3900 + shift },
    law: i % 2 === 0 ? 'mulaw' : 'alaw',
  };
}
