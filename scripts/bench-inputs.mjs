/**
 * What the service benchmarks share: where the model and the example are, the example's samples, a WAV
 * header writer, and a bounded-concurrency loop.
 */
import { readFileSync } from 'node:fs';

export const MODEL_DIR = process.env.VAD_MODEL_DIR ?? new URL('../models/fsmn-vad', import.meta.url).pathname;
export const EXAMPLE = process.env.BENCH_AUDIO ?? new URL('../../shared/audio/vad_example.wav', import.meta.url).pathname;

/** A WAV file's PCM16 samples: its `data` chunk, found by walking the RIFF chunks (others may follow it). */
export function readPcm16(path) {
  const bytes = readFileSync(path);
  for (let o = 12; o + 8 <= bytes.length; ) {
    const size = bytes.readUInt32LE(o + 4);
    if (bytes.toString('latin1', o, o + 4) === 'data') return new Int16Array(bytes.buffer.slice(bytes.byteOffset + o + 8, bytes.byteOffset + o + 8 + size));
    o += 8 + size + (size & 1);
  }
  throw new Error(`${path} has no data chunk`);
}

/** A buffer holding a canonical 44-byte WAV header followed by room for `dataBytes` of samples. */
export function wavBuffer({ formatTag, channels, sampleRate, bitsPerSample, dataBytes }) {
  const out = Buffer.alloc(44 + dataBytes);
  const blockAlign = (channels * bitsPerSample) / 8;
  out.write('RIFF', 0);
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVEfmt ', 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(formatTag, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * blockAlign, 28);
  out.writeUInt16LE(blockAlign, 32);
  out.writeUInt16LE(bitsPerSample, 34);
  out.write('data', 36);
  out.writeUInt32LE(dataBytes, 40);
  return out;
}

/** Runs `task(i)` for i in [0, n) with at most `limit` at once. */
export async function pool(n, limit, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) await task(next++);
    }),
  );
}
