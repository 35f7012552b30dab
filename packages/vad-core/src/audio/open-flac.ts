/**
 * FLAC through libFLAC (WASM, streaming decoder). Channel count, sample rate and declared length come
 * from STREAMINFO, so a tiny file declaring hours fails before any decoding; input is fed in small
 * slices and decoded samples are counted as they come, so memory stays bounded even when STREAMINFO
 * says "length unknown".
 */
import { VadError } from '@vadfleet/shared/errors';
import type { ByteSource } from './byte-source.js';
import { ChannelScaler } from './channel-scaler.js';
import type { DecodedAudio } from './decoded-audio.js';
import { decodeWithWasm } from './wasm-decode.js';

/** Input bytes per decode call. A constant-subframe frame can carry 65535 samples in ~20 bytes. */
const SLICE_BYTES = 1024;

interface StreamInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 0 = unknown. */
  totalSamples: number;
}

function parseStreamInfo(head: Uint8Array): StreamInfo {
  // 'fLaC', then the first metadata block, which must be STREAMINFO (type 0, 34 bytes).
  if (head.length < 8 + 34) throw new VadError('INVALID_AUDIO', 'FLAC: the stream ends inside STREAMINFO');
  const type = head[4] & 0x7f;
  const length = (head[5] << 16) | (head[6] << 8) | head[7];
  if (type !== 0 || length < 34) throw new VadError('INVALID_AUDIO', 'FLAC: the first metadata block is not STREAMINFO');
  const h = head.subarray(8);
  const sampleRate = (h[10] << 12) | (h[11] << 4) | (h[12] >> 4);
  const channels = ((h[12] >> 1) & 7) + 1;
  const bitsPerSample = (((h[12] & 1) << 4) | (h[13] >> 4)) + 1;
  const totalSamples = (h[13] & 0x0f) * 2 ** 32 + (((h[14] << 24) | (h[15] << 16) | (h[16] << 8) | h[17]) >>> 0);
  if (sampleRate === 0) throw new VadError('INVALID_AUDIO', 'FLAC: STREAMINFO declares a sample rate of 0 Hz');
  if (bitsPerSample < 4) throw new VadError('INVALID_AUDIO', `FLAC: STREAMINFO declares ${bitsPerSample} bits per sample`);
  return { sampleRate, channels, bitsPerSample, totalSamples };
}

export async function openFlac(src: ByteSource, head: Uint8Array): Promise<DecodedAudio> {
  const streamInfo = parseStreamInfo(head);
  const { channels, sampleRate } = streamInfo;
  const info = {
    container: 'flac' as const,
    codec: 'flac',
    sampleRate,
    channels,
    ...(streamInfo.totalSamples > 0 ? { declaredFrames: streamInfo.totalSamples } : {}),
  };

  const chunks = decodeWithWasm(src, async () => new (await import('@wasm-audio-decoders/flac')).FLACDecoder(), {
    format: 'FLAC',
    sliceBytes: SLICE_BYTES,
    scaler: new ChannelScaler(channels, streamInfo.bitsPerSample),
    flush: true,
    // The decoder keeps a reference until it finds the next frame, so it gets its own copy.
    copySlices: true,
    sampleRate,
    rateChanged: (rate) => `FLAC: a frame's sample rate (${rate} Hz) differs from STREAMINFO (${sampleRate} Hz)`,
    nothingDecoded: 'FLAC: no decodable frames',
  });
  return { info, chunkRate: sampleRate, chunks, release: () => undefined };
}
