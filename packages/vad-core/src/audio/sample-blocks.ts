import { VadError } from '@vadfleet/shared/errors';
import type { OpenAudioOptions } from '../types.js';
import { audioTooLong, maxFramesAt } from './audio-limits.js';
import type { DecodedAudio } from './decoded-audio.js';
import { OUTPUT_RATE, StreamingResampler } from './resampler.js';

/** Samples per yielded block (1 s at 16 kHz); the last block is shorter. */
export const BLOCK_SAMPLES = 16000;

/** The rate the blocks come at: 16 kHz for the model, or what `opts.outputRate` asks (speech export). */
export function blockRate(decoded: DecodedAudio, opts: OpenAudioOptions): number {
  return opts.outputRate === 'source' ? decoded.chunkRate : (opts.outputRate ?? OUTPUT_RATE);
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
  } finally {
    release();
  }
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
