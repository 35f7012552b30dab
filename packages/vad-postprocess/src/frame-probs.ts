/**
 * Per-frame P(silence) stored with a result, so that new parameters can be applied by re-running only
 * the state machine (spec §7–§10 depend on nothing else while the energy gates are inert, spec §8).
 * Encoding: a JSON header line `{"format":"vadfleet-frame-probs/1","config":PostConfig,"frames":[n per channel]}\n`
 * then each channel's P(silence) as little-endian float32 — exact, so a re-score equals a fresh run.
 */
import { VadError } from '@vadfleet/shared/errors';
import type { ResolvedFsmnParams } from '@vadfleet/shared/vad-params';
import type { Segment } from './segment.js';
import { applyParams, needsFrameEnergy, type PostConfig } from './post-config.js';
import { Segmenter } from './segmenter.js';

const FORMAT = 'vadfleet-frame-probs/1';

export interface FrameProbs {
  /** The model's post-processing config (config.yaml) the probabilities were produced under. */
  config: PostConfig;
  /** P(silence) per frame, per channel. */
  channels: Float32Array[];
}

/** Collects a detect call's `onFrameProbs` pieces into one array per channel. */
export class FrameProbsRecorder {
  private readonly channels: Float32Array[] = [];
  private readonly lengths: number[] = [];

  readonly onFrameProbs = (channel: number, firstFrame: number, probs: Float32Array): void => {
    let buffer = this.channels[channel] ?? new Float32Array(1 << 14);
    const needed = firstFrame + probs.length;
    if (needed > buffer.length) {
      const grown = new Float32Array(Math.max(needed, buffer.length * 2));
      grown.set(buffer.subarray(0, this.lengths[channel] ?? 0));
      buffer = grown;
    }
    buffer.set(probs, firstFrame);
    this.channels[channel] = buffer;
    this.lengths[channel] = Math.max(this.lengths[channel] ?? 0, needed);
  };

  result(config: PostConfig, channelCount: number): FrameProbs {
    const channels = Array.from({ length: channelCount }, (_, c) => (this.channels[c] ?? new Float32Array(0)).slice(0, this.lengths[c] ?? 0));
    return { config, channels };
  }
}

export function encodeFrameProbs({ config, channels }: FrameProbs): Uint8Array {
  const header = Buffer.from(`${JSON.stringify({ format: FORMAT, config, frames: channels.map((c) => c.length) })}\n`);
  const body = Buffer.alloc(channels.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of channels) {
    for (let i = 0; i < c.length; i++) body.writeFloatLE(c[i], offset + 4 * i);
    offset += c.byteLength;
  }
  return Buffer.concat([header, body]);
}

export function decodeFrameProbs(bytes: Uint8Array): FrameProbs {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const newline = buf.indexOf(0x0a);
  const bad = (why: string) => new VadError('INTERNAL', `Stored frame probabilities are unreadable (${why}).`);
  if (newline < 0) throw bad('no header');
  let header: { format?: unknown; config?: PostConfig; frames?: unknown };
  try {
    header = JSON.parse(buf.toString('utf8', 0, newline));
  } catch {
    throw bad('header is not JSON');
  }
  const frames = header.frames;
  if (header.format !== FORMAT || !header.config || !Array.isArray(frames) || !frames.every((n) => Number.isInteger(n) && n >= 0)) throw bad('unknown format');
  let offset = newline + 1;
  if (buf.length - offset !== frames.reduce((a: number, b: number) => a + b, 0) * 4) throw bad('length mismatch');
  const channels = frames.map((n: number) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = buf.readFloatLE(offset + 4 * i);
    offset += 4 * n;
    return out;
  });
  return { config: header.config, channels };
}

/** Segments per channel for new parameters, from stored probabilities, without the model. */
export function rescoreFrameProbs({ config, channels }: FrameProbs, params: ResolvedFsmnParams): { channel: number; segments: Segment[] }[] {
  const effective = applyParams(config, params);
  if (needsFrameEnergy(effective)) {
    throw new VadError('CONFLICT', 'This model configuration uses frame-energy gates; re-scoring needs a new job.');
  }
  return channels.map((probs, channel) => {
    const segmenter = new Segmenter(effective);
    const last = probs.length - 1;
    for (let i = 0; i <= last; i++) segmenter.push(probs[i], 0, i === last);
    return { channel, segments: segmenter.takeClosed(true) };
  });
}
