/** Test-only: inputs, the decoder's own samples at a rate, and exported objects read back. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAudio } from '@vadfleet/vad-core/audio';
import { chunk, fmtChunk, riffFile } from '../../../vad-core/src/audio/testing/wav-writer.js';

export async function* chunked(bytes: Uint8Array, size = 65536): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

export const tempDir = () => mkdtemp(join(tmpdir(), 'speech-export-'));

/** Deterministic noise with loud and quiet stretches (a cheap stand-in for speech and pauses). */
export function noise(n: number, seed: number, amplitude = 12000): Int16Array {
  const x = new Int16Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const envelope = Math.floor(i / 4000) % 3 === 2 ? 0.05 : 1;
    x[i] = Math.round(((s / 2 ** 32) * 2 - 1) * amplitude * envelope);
  }
  return x;
}

/** An 8 kHz μ-law stereo WAV of random codes, like a call-centre recording. */
export function mulawStereo(frames: number, seed: number): Uint8Array {
  const body = new Uint8Array(frames * 2);
  let s = seed;
  for (let i = 0; i < body.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    body[i] = s >>> 24;
  }
  return riffFile([fmtChunk({ formatTag: 7, channels: 2, sampleRate: 8000, bitsPerSample: 8 }), chunk('data', body)]);
}

/** The decoder's own samples of every channel at `rate`, rounded and clamped to int16 as export does. */
export async function decodedAt(bytes: Uint8Array, rate: 16000 | 8000 | 'source'): Promise<{ rate: number; channels: Int16Array[] }> {
  const audio = await openAudio(chunked(bytes), { maxChannels: 8, maxDurationMs: 3_600_000, outputRate: rate });
  const parts: Int16Array[][] = Array.from({ length: audio.info.channels }, () => []);
  for await (const block of audio.blocks) block.forEach((b, c) => parts[c].push(Int16Array.from(b, (v) => Math.max(-32768, Math.min(32767, Math.round(v))))));
  return { rate: audio.blockRate, channels: parts.map(concatInt16) };
}

/** An exported WAV or FLAC file's samples and rate, through vad-core's decoders at the file's own rate. */
export async function readExported(path: string): Promise<{ rate: number; samples: Int16Array }> {
  const decoded = await decodedAt(new Uint8Array(await readFile(path)), 'source');
  return { rate: decoded.rate, samples: decoded.channels[0] };
}

export function concatInt16(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
