/**
 * Ogg Opus through libopus (WASM). Opus always decodes at 48 kHz; the channel count comes from the
 * OpusHead packet. Ogg declares no length up front, so decoded samples are counted as they come, with
 * input fed in small slices (a 1-byte packet can stand for 120 ms).
 */
import { VadError } from '@vadfleet/shared/errors';
import type { ByteSource } from './byte-source.js';
import { ChannelScaler } from './channel-scaler.js';
import type { DecodedAudio } from './decoded-audio.js';
import { decodeWithWasm } from './wasm-decode.js';
import { UnitTracker } from './unit-tracker.js';

const SLICE_BYTES = 1024;
const OPUS_RATE = 48000;
/** OpusHead starts after the 27-byte page header and a one-entry segment table. */
const OPUS_HEAD_OFFSET = 28;

export async function openOggOpus(src: ByteSource, head: Uint8Array): Promise<DecodedAudio> {
  if (head.length < OPUS_HEAD_OFFSET + 19) throw new VadError('INVALID_AUDIO', 'Ogg Opus: the stream ends inside OpusHead');
  const channels = head[OPUS_HEAD_OFFSET + 9];
  if (channels === 0) throw new VadError('INVALID_AUDIO', 'Ogg Opus: OpusHead declares 0 channels');
  const info = { container: 'ogg' as const, codec: 'opus', sampleRate: OPUS_RATE, channels };

  const pages = UnitTracker.ogg();
  const chunks = decodeWithWasm(src, async () => new (await import('ogg-opus-decoder')).OggOpusDecoder({ forceStereo: false }), {
    format: 'Ogg Opus',
    sliceBytes: SLICE_BYTES,
    scaler: new ChannelScaler(channels),
    flush: true,
    copySlices: true,
    nothingDecoded: 'Ogg Opus: no decodable packets',
    onSlice: (slice) => pages.feed(slice),
  });
  return { info, chunkRate: OPUS_RATE, chunks, release: () => undefined, endedInsideFrame: () => pages.endedInsideUnit };
}
