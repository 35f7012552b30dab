import { VadError } from '@vadfleet/shared/errors';
import type { AudioInfo, OpenAudioOptions } from '../types.js';

export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 192_000;

/** Rejects sample rates the pipeline does not take (resampling from outside this range is not offered). */
export function assertSampleRate(sampleRate: number, where: string): void {
  if (Number.isInteger(sampleRate) && sampleRate >= MIN_SAMPLE_RATE && sampleRate <= MAX_SAMPLE_RATE) return;
  // A real but unsupported rate (4 kHz, 96 kHz) is the caller's format choice; 1 Hz or 4 GHz is a broken header.
  const plausible = Number.isInteger(sampleRate) && sampleRate >= 1000 && sampleRate <= 768_000;
  throw new VadError(
    plausible ? 'UNSUPPORTED_FORMAT' : 'INVALID_AUDIO',
    `${where}: sample rate ${sampleRate} Hz is outside ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz${plausible ? '; resample the audio to a rate in that range (e.g. 16 kHz)' : ''}`,
  );
}

/** The most source-rate frames allowed by `maxDurationMs`. */
export function maxFramesAt(sampleRate: number, opts: OpenAudioOptions): number {
  return Math.floor((opts.maxDurationMs * sampleRate) / 1000);
}

export function audioTooLong(opts: OpenAudioOptions, what: string): VadError {
  return new VadError('AUDIO_TOO_LONG', `${what}, longer than the maximum of ${opts.maxDurationMs / 1000} s`);
}

/** Checks what the header says against the options: channel count and declared length. */
export function assertHeaderLimits(info: AudioInfo, opts: OpenAudioOptions): void {
  if (info.channels > opts.maxChannels) {
    throw new VadError('TOO_MANY_CHANNELS', `the audio has ${info.channels} channel${info.channels === 1 ? "" : "s"}; at most ${opts.maxChannels} ${opts.maxChannels === 1 ? "is" : "are"} allowed`);
  }
  const declared = info.declaredFrames;
  if (declared === undefined) return;
  if (declared === 0) throw new VadError('EMPTY_AUDIO', `the ${info.container} header declares no samples`);
  if (declared > maxFramesAt(info.sampleRate, opts)) {
    const seconds = (declared / info.sampleRate).toFixed(3);
    throw audioTooLong(opts, `the ${info.container} header declares ${seconds} s of audio`);
  }
}
