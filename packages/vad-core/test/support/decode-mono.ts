/** Decodes bytes with the library's audio input (to 16 kHz) and returns channel 0 whole. */
import { openAudio } from '../../dist/audio/index.js';
import { concatSamples } from '../../src/audio/testing/concat.js';

export async function decodeChannel0(bytes: Uint8Array): Promise<Float32Array> {
  const audio = await openAudio(
    (async function* () {
      yield bytes;
    })(),
    { maxChannels: 8, maxDurationMs: 3_600_000 },
  );
  const parts: Float32Array[] = [];
  for await (const block of audio.blocks) parts.push(block[0].slice());
  return concatSamples(parts);
}

/** The lag (in samples, within [from, to)) at which `y` best matches `x` over x[start, start + length). */
export function bestLag(x: ArrayLike<number>, y: ArrayLike<number>, from: number, to: number, start = 160_000, length = 32_000): number {
  let best = -Infinity;
  let lag = from;
  for (let l = from; l < to; l++) {
    let s = 0;
    for (let i = start; i < start + length; i++) s += x[i] * y[i + l];
    if (s > best) [best, lag] = [s, l];
  }
  return lag;
}
