import { VadError, type WarningData } from '@vadfleet/shared/errors';
import type { OpenAudioOptions } from '../types.js';
import { audioTooLong, maxFramesAt } from './audio-limits.js';
import type { DecodedAudio } from './decoded-audio.js';
import { OUTPUT_RATE, StreamingResampler } from './resampler.js';

/** Samples per yielded block (1 s at 16 kHz); the last block is shorter. */
export const BLOCK_SAMPLES = 16000;

/** The rate the blocks come at: 16 kHz, the source's own when a model runs it natively (`nativeRates`), or what `opts.outputRate` asks (speech export). */
export function blockRate(decoded: DecodedAudio, opts: OpenAudioOptions): number {
  const rate = decoded.chunkRate;
  if (opts.outputRate !== undefined) return opts.outputRate === 'source' ? rate : opts.outputRate;
  return opts.nativeRates?.includes(rate) ? rate : OUTPUT_RATE;
}

/**
 * Turns decoded chunks into fixed-size blocks at `blockRate` (16 kHz unless asked otherwise): resamples per channel, counts source frames against
 * `maxDurationMs`, and fails with EMPTY_AUDIO when nothing came out. Block boundaries depend only on the
 * sample count, so the blocks are identical whatever the input chunking. `release` runs when iteration
 * ends for any reason.
 */
export async function* toSampleBlocks(
  decoded: DecodedAudio,
  opts: OpenAudioOptions,
  warnings: WarningData[],
  release: () => void,
): AsyncGenerator<Float32Array[], void, undefined> {
  const { channels } = decoded.info;
  const rate = decoded.chunkRate;
  const outRate = blockRate(decoded, opts);
  const resamplers = rate === outRate ? null : Array.from({ length: channels }, () => new StreamingResampler(rate, outRate));
  const maxFrames = maxFramesAt(rate, opts);
  const assembler = new BlockAssembler(channels);
  const stepOutput: Float32Array[] = new Array<Float32Array>(channels);
  let sourceFrames = 0;

  try {
    for await (const chunk of decoded.chunks) {
      opts.signal?.throwIfAborted();
      sourceFrames += chunk[0].length;
      if (sourceFrames > maxFrames) throw audioTooLong(opts, `the decoded audio exceeds ${(sourceFrames / rate).toFixed(3)} s`);
      for (let c = 0; c < channels; c++) stepOutput[c] = resamplers ? resamplers[c].push(chunk[c]) : chunk[c];
      yield* assembler.append(stepOutput);
    }
    if (resamplers) {
      for (let c = 0; c < channels; c++) stepOutput[c] = resamplers[c].flush();
      yield* assembler.append(stepOutput);
    }
    if (assembler.filled > 0) yield assembler.partial();
    if (assembler.total === 0) throw new VadError('EMPTY_AUDIO', `the ${decoded.info.container} stream contains no samples`);
    const truncated = truncation(decoded, sourceFrames);
    if (truncated) warnings.push(truncated);
  } finally {
    release();
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

/** TRUNCATED_INPUT when the stream decoded short of its declared length or ended inside a frame; else null. */
function truncation(decoded: DecodedAudio, decodedFrames: number): WarningData | null {
  const { info, chunkRate } = decoded;
  const decodedMs = Math.round((decodedFrames * 1000) / chunkRate);
  const declared = info.declaredFrames;
  const decodedAtSourceRate = (decodedFrames * info.sampleRate) / chunkRate;
  if (declared !== undefined && decodedAtSourceRate < declared - (decoded.declaredSlackFrames ?? 0)) {
    const declaredMs = Math.round((declared * 1000) / info.sampleRate);
    const message = `the ${info.container} header declares ${seconds(declaredMs)} but the stream ends after ${seconds(decodedMs)}: the ${seconds(decodedMs)} that arrived were analysed`;
    return { code: 'TRUNCATED_INPUT', message, declaredMs, decodedMs };
  }
  if (decoded.endedInsideFrame?.()) {
    const message = `the ${info.container} stream ends inside a frame after ${seconds(decodedMs)}: it was cut; what arrived was analysed`;
    return { code: 'TRUNCATED_INPUT', message, ...(declared === undefined ? {} : { declaredMs: Math.round((declared * 1000) / info.sampleRate) }), decodedMs };
  }
  return null;
}


/** Copies per-channel runs of any length into fixed-size blocks allocated once. */
class BlockAssembler {
  private readonly blocks: Float32Array[];
  filled = 0;
  /** Samples per channel appended so far. */
  total = 0;

  constructor(channels: number) {
    this.blocks = Array.from({ length: channels }, () => new Float32Array(BLOCK_SAMPLES));
  }

  /** Appends equal-length channel arrays, yielding each block as it fills. */
  *append(parts: Float32Array[]): Generator<Float32Array[], void, undefined> {
    const length = parts[0].length;
    this.total += length;
    for (let offset = 0; offset < length; ) {
      const take = Math.min(BLOCK_SAMPLES - this.filled, length - offset);
      for (let c = 0; c < parts.length; c++) this.blocks[c].set(parts[c].subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === BLOCK_SAMPLES) {
        this.filled = 0;
        yield this.blocks;
      }
    }
  }

  /** The last, partly filled block. */
  partial(): Float32Array[] {
    const n = this.filled;
    this.filled = 0;
    return this.blocks.map((b) => b.subarray(0, n));
  }
}
