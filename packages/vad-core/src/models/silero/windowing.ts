/** Silero's window geometry (silero-vad.md §2, §5): one model call = one window of 32 ms plus its context. */
import { VadError } from '@vadfleet/shared/errors';

export type SileroRate = 8000 | 16000;

/** Rates the model runs natively; any other rate is resampled to 16 kHz before it. */
export const SILERO_RATES: readonly SileroRate[] = [8000, 16000];

/** LSTM state per stream: h (128) then c (128). In a batch of B they are rows of [2, B, 128]. */
export const STATE_SIZE = 128;

export interface Geometry {
  /** New samples per window. */
  window: number;
  /** Samples of the previous input prepended. */
  context: number;
}

export function isSileroRate(rate: number): rate is SileroRate {
  return rate === 8000 || rate === 16000;
}

/** The model's `If` takes every rate ≠ 16000 as 8 kHz, so other rates must never reach it (§4). */
export function geometryFor(rate: number): Geometry {
  if (rate === 16000) return { window: 512, context: 64 };
  if (rate === 8000) return { window: 256, context: 32 };
  throw new VadError('INTERNAL', `Silero VAD runs at 8000 or 16000 Hz, not ${rate}.`);
}
