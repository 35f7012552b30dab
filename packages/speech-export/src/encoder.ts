import { FlacEncoder } from './flac-encoder.js';
import { WavEncoder } from './wav-encoder.js';

/**
 * A streaming mono 16-bit encoder. `header()` is written first as a placeholder of its final size;
 * `finish()` returns the bytes still to append and the real header, which the object writer puts back
 * over the placeholder (lengths are known only at the end: a clip may be split or cut short by the file).
 */
export interface Encoder {
  header(): Uint8Array;
  /** Bytes for these samples (possibly none yet: FLAC waits for a full block). The caller may reuse `samples`. */
  encode(samples: Int16Array): Uint8Array;
  finish(): { tail: Uint8Array; header: Uint8Array };
}

export type SpeechFormat = 'wav' | 'flac';

export const FORMAT_INFO: Record<SpeechFormat, { ext: string; contentType: string }> = {
  wav: { ext: 'wav', contentType: 'audio/wav' },
  flac: { ext: 'flac', contentType: 'audio/flac' },
};

export function createEncoder(format: SpeechFormat, sampleRate: number): Encoder {
  return format === 'wav' ? new WavEncoder(sampleRate) : new FlacEncoder(sampleRate);
}
