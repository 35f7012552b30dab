import { VadError } from '@vadfleet/shared/errors';
import type { Encoder } from './encoder.js';

const HEADER_BYTES = 44;
/** RIFF sizes are 32-bit: the data chunk may hold at most this many bytes. */
const MAX_DATA_BYTES = 0xffffffff - (HEADER_BYTES - 8);

/** Mono PCM16 little-endian WAV, canonical 44-byte header. */
export class WavEncoder implements Encoder {
  private dataBytes = 0;

  constructor(private readonly sampleRate: number) {}

  header(): Uint8Array {
    return this.headerFor(0);
  }

  encode(samples: Int16Array): Uint8Array {
    const out = new Uint8Array(samples.length * 2);
    const view = new DataView(out.buffer);
    for (let i = 0; i < samples.length; i++) view.setInt16(2 * i, samples[i], true);
    this.dataBytes += out.length;
    if (this.dataBytes > MAX_DATA_BYTES) throw new VadError('INVALID_PARAMS', 'the exported WAV would exceed 4 GiB; export FLAC or clips');
    return out;
  }

  finish(): { tail: Uint8Array; header: Uint8Array } {
    return { tail: new Uint8Array(0), header: this.headerFor(this.dataBytes) };
  }

  private headerFor(dataBytes: number): Uint8Array {
    const h = new Uint8Array(HEADER_BYTES);
    const v = new DataView(h.buffer);
    const ascii = (offset: number, text: string) => {
      for (let i = 0; i < text.length; i++) h[offset + i] = text.charCodeAt(i);
    };
    ascii(0, 'RIFF');
    v.setUint32(4, HEADER_BYTES - 8 + dataBytes, true);
    ascii(8, 'WAVE');
    ascii(12, 'fmt ');
    v.setUint32(16, 16, true);
    v.setUint16(20, 1, true); // PCM
    v.setUint16(22, 1, true); // mono
    v.setUint32(24, this.sampleRate, true);
    v.setUint32(28, this.sampleRate * 2, true);
    v.setUint16(32, 2, true);
    v.setUint16(34, 16, true);
    ascii(36, 'data');
    v.setUint32(40, dataBytes, true);
    return h;
  }
}
