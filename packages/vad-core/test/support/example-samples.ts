/** The golden example's samples, read by a RIFF walk independent of the library's WAV parser. */
import { pcm16Samples } from '../../src/testing/example-audio.js';
import { exampleBytes } from '../fixtures.js';

export { pcm16Samples };

let cached: Int16Array | undefined;
/** vad_example.wav: 1,127,530 samples at 16 kHz. */
export function exampleSamples(): Int16Array {
  cached ??= pcm16Samples(exampleBytes());
  return cached;
}
