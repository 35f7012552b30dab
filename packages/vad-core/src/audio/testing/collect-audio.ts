/** Test-only: run openAudio over a byte array in fixed-size chunks and concatenate the output. */
import { expect } from 'vitest';
import type { AudioInfo, OpenAudioOptions } from '../../types.js';
import { openAudio } from '../open-audio.js';
import { concatSamples } from './concat.js';

export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

export const DEFAULT_OPTS: OpenAudioOptions = { maxChannels: 8, maxDurationMs: 3_600_000 };

export async function decodeAll(
  bytes: Uint8Array,
  chunkSize = 65536,
  opts: Partial<OpenAudioOptions> = {},
): Promise<{ info: AudioInfo; channels: Float32Array[]; blockLengths: number[] }> {
  const stream = await openAudio(chunked(bytes, chunkSize), { ...DEFAULT_OPTS, ...opts });
  const parts: Float32Array[][] = [];
  const blockLengths: number[] = [];
  for await (const block of stream.blocks) {
    expect(block.length).toBe(stream.info.channels);
    parts.push(block.map((b) => b.slice()));
    blockLengths.push(block[0].length);
  }
  const channels = Array.from({ length: stream.info.channels }, (_, c) => concatSamples(parts.map((p) => p[c])));
  return { info: stream.info, channels, blockLengths };
}

/** Exact comparison of long sample arrays (vitest's deep equality is slow on millions of elements). */
export function expectSameSamples(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  let firstMismatch = -1;
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(actual[i] === 0 && expected[i] === 0)) {
      firstMismatch = i;
      break;
    }
  }
  expect(firstMismatch, firstMismatch < 0 ? '' : `sample ${firstMismatch}: ${actual[firstMismatch]} vs ${expected[firstMismatch]}`).toBe(-1);
}
