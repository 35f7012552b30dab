import { readFileSync } from 'node:fs';
import { EXAMPLE_WAV } from '../src/testing/example-audio.js';

export { EXAMPLE_WAV, MODEL_DIR } from '../src/testing/example-audio.js';

/** FunASR's published result for vad_example.wav (spec §14). */
export const GOLDEN = [
  [70, 2340], [2620, 6200], [6480, 23670], [23950, 26250], [26780, 28990], [29950, 31430],
  [31750, 37600], [38210, 46900], [47310, 49630], [49910, 56460], [56740, 59540], [59820, 70450],
];

/** The byte stream of a buffer cut into chunks of `size` bytes. */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

export const exampleBytes = (): Buffer => readFileSync(EXAMPLE_WAV);
