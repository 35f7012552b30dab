/**
 * The golden example and the model for tests (found by testkit's test-data resolver), the example read
 * by a RIFF walk independent of the library's WAV parser.
 */
import { readFileSync } from 'node:fs';
import { exampleWavPath, fsmnModelDir } from '@vadfleet/testkit/test-data';

export const MODEL_DIR = fsmnModelDir();
export const EXAMPLE_WAV = exampleWavPath();

/** PCM16 samples of a mono PCM16 WAV (the `data` chunk only; spec §3.2: the example has chunks after it). */
export function pcm16Samples(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let o = 12; o + 8 <= bytes.length; ) {
    const id = String.fromCharCode(...bytes.subarray(o, o + 4));
    const size = view.getUint32(o + 4, true);
    if (id === 'data') {
      const out = new Int16Array(size / 2);
      for (let i = 0; i < out.length; i++) out[i] = view.getInt16(o + 8 + 2 * i, true);
      return out;
    }
    o += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** vad_example.wav as int16-scale floats (spec §3.1): 1,127,530 samples at 16 kHz. */
export function examplePcm(): Float32Array {
  return Float32Array.from(pcm16Samples(readFileSync(EXAMPLE_WAV)));
}
