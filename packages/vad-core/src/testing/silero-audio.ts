/**
 * Test audio for Silero (silero-vad.md §9): the shared WAVs, and the 8 kHz files the doc makes with SoX
 * (`-D`, no dither, so they are reproducible), built once into the OS temp folder and checked by SHA-256.
 * Without SoX on PATH those files are unavailable (tests that need them are skipped, saying so).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_WAV, pcm16Samples } from './example-audio.js';

export const SHARED_AUDIO = fileURLToPath(new URL('../../../../../shared/audio/', import.meta.url));

export const HAS_SOX = (() => {
  try {
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A mono PCM16 WAV of /work/shared/audio as int16-scale floats. */
export function sharedPcm(name: string): Float32Array {
  return Float32Array.from(pcm16Samples(readFileSync(join(SHARED_AUDIO, name))));
}

const SOX_FILES = {
  /** §9.2: `sox -D vad_example.wav -r 8000 vad_example_8k.wav`. */
  'vad_example_8k.wav': { args: ['-r', '8000'], sha256: '3574c2092c9be21c2568e6c5605ebc8fa5c708003fe95415780bc75371f8efd6' },
  /** firered-vad.md §11.1: channel 1 the example, channel 2 digital silence, μ-law. */
  'stereo_8k_ulaw.wav': { args: ['-r', '8000', '-e', 'mu-law'], effects: ['remix', '1', '0'], sha256: '77b14c6e6ba0d949e62338a3061c419641d2644ef42e5205cb7b3e98196a89e6' },
} as const;

/** Path of a SoX-made check file, built on first use; throws if SoX is missing or makes other bytes. */
export function soxCheckFile(name: keyof typeof SOX_FILES): string {
  const spec = SOX_FILES[name];
  const path = join(tmpdir(), `vadfleet-silero-${name}`);
  if (!existsSync(path)) {
    const effects: readonly string[] = 'effects' in spec ? spec.effects : [];
    execFileSync('sox', ['-D', EXAMPLE_WAV, ...spec.args, `${path}.tmp.wav`, ...effects]);
    execFileSync('mv', [`${path}.tmp.wav`, path]);
  }
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  if (sha256 !== spec.sha256) throw new Error(`${path} has SHA-256 ${sha256}, not the doc's ${spec.sha256} (another SoX version?)`);
  return path;
}
