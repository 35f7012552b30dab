/**
 * Ogg Opus through libopus (WASM). Opus always decodes at 48 kHz; the channel count comes from the
 * OpusHead packet. Ogg declares no length up front, so decoded samples are counted as they come, with
 * input fed in small slices (a 1-byte packet can stand for 120 ms).
 */
import { VadError } from '@vadfleet/shared/errors';
import type { ByteSource } from './byte-source.js';
import { ChannelScaler } from './channel-scaler.js';
import { decoderCall, type DecodedAudio } from './decoded-audio.js';
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
  async function* chunks(): AsyncGenerator<Float32Array[], void, undefined> {
    const { OggOpusDecoder } = await import('ogg-opus-decoder');
    const decoder = new OggOpusDecoder({ forceStereo: false });
    try {
      await decoder.ready;
      const scaler = new ChannelScaler(channels);
      let decodedAny = false;
      for (let ended = false; !ended; ) {
        const slice = await src.readSome(SLICE_BYTES);
        ended = slice.length === 0;
        pages.feed(slice);
        const out = await decoderCall('Ogg Opus', async () => ended ? await decoder.flush() : await decoder.decode(slice.slice()));
        if (out.samplesDecoded === 0) continue;
        decodedAny = true;
        yield scaler.scale(out.channelData, out.samplesDecoded);
      }
      if (!decodedAny) throw new VadError('INVALID_AUDIO', 'Ogg Opus: no decodable packets');
    } finally {
      decoder.free();
    }
  }

  return { info, chunkRate: OPUS_RATE, chunks: chunks(), release: () => undefined, endedInsideFrame: () => pages.endedInsideUnit };
}
