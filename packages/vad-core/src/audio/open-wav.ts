import type { ByteSource } from './byte-source.js';
import type { DecodedAudio } from './decoded-audio.js';
import { PcmConverter } from './pcm-converter.js';
import { parseWavHeader } from './wav-header.js';

/** Frames converted per step: bounds memory whatever the source's chunk size. */
const FRAMES_PER_STEP = 8192;

/** Parses a WAV/RF64 header; the returned chunks stream exactly the declared data (or to the end). */
export async function openWav(src: ByteSource): Promise<DecodedAudio> {
  const header = await parseWavHeader(src);
  const { channels, blockAlign, dataBytes } = header;
  const info = {
    container: header.container,
    codec: header.codec,
    sampleRate: header.sampleRate,
    channels,
    ...(dataBytes === null ? {} : { declaredFrames: Math.floor(dataBytes / blockAlign) }),
  };

  async function* chunks(): AsyncGenerator<Float32Array[], void, undefined> {
    const converter = new PcmConverter(header.codec, channels, FRAMES_PER_STEP);
    const views = converter.output.map((o) => o.subarray(0, 0));
    let remaining = dataBytes ?? Infinity;
    while (remaining > 0) {
      const bytes = await src.readSome(Math.min(remaining, FRAMES_PER_STEP * blockAlign));
      if (bytes.length === 0) break; // shorter than declared: what arrived is the audio
      remaining -= bytes.length;
      const frames = converter.convert(bytes);
      if (frames === 0) continue;
      for (let c = 0; c < channels; c++) views[c] = converter.output[c].subarray(0, frames);
      yield views;
    }
  }

  return { info, chunkRate: header.sampleRate, chunks: chunks(), release: () => undefined };
}
