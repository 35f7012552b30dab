/**
 * MPEG audio (MP3, also Layer I/II) through mpg123 (WASM), fed in small slices so one slice can never
 * decode into an unbounded amount of audio. The channel count comes from the first frame's mode bits
 * (the decoder always returns two channels); the declared length from a Xing/Info or VBRI frame count.
 */
import { VadError } from '@vadfleet/shared/errors';
import type { ByteSource } from './byte-source.js';
import type { DecodedAudio } from './decoded-audio.js';
import { ChannelScaler } from './channel-scaler.js';
import { parseMpegFrameHeader, type MpegFrameHeader } from './detect-format.js';
import { decodeWithWasm } from './wasm-decode.js';
import { UnitTracker } from './unit-tracker.js';

/** Input bytes per decode call: at most ~700 frames of the smallest size, so output stays bounded. */
const SLICE_BYTES = 16384;

function readUint32BE(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}

function ascii(bytes: Uint8Array, offset: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Frame count from a Xing/Info (Layer III) or VBRI header inside the first frame, if any. */
function declaredFrameCount(head: Uint8Array, frame: MpegFrameHeader): number | undefined {
  if (frame.layer !== 3) return undefined;
  const sideInfo = frame.version === 1 ? (frame.channels === 1 ? 17 : 32) : frame.channels === 1 ? 9 : 17;
  const xing = 4 + sideInfo;
  if (head.length >= xing + 12 && (ascii(head, xing, 'Xing') || ascii(head, xing, 'Info'))) {
    const flags = readUint32BE(head, xing + 4);
    if (flags & 1) return readUint32BE(head, xing + 8);
  }
  if (head.length >= 36 + 18 && ascii(head, 36, 'VBRI')) return readUint32BE(head, 36 + 14);
  return undefined;
}

export async function openMp3(src: ByteSource, head: Uint8Array): Promise<DecodedAudio> {
  const frame = parseMpegFrameHeader(head, 0);
  if (!frame) throw new VadError('INVALID_AUDIO', 'MP3: no MPEG frame header at the start of the stream');
  const { channels, sampleRate } = frame;
  const frameCount = declaredFrameCount(head, frame);
  const info = {
    container: 'mp3' as const,
    codec: frame.layer === 3 ? 'mp3' : `mp${frame.layer}`,
    sampleRate,
    channels,
    ...(frameCount === undefined ? {} : { declaredFrames: frameCount * frame.samplesPerFrame }),
  };

  const frames = UnitTracker.mpeg();
  const chunks = decodeWithWasm(src, async () => new (await import('mpg123-decoder')).MPEGDecoder(), {
    format: 'MP3',
    sliceBytes: SLICE_BYTES,
    scaler: new ChannelScaler(channels),
    sampleRate,
    rateChanged: (rate) => `MP3: the sample rate changes mid-stream (${sampleRate} → ${rate} Hz)`,
    nothingDecoded: 'MP3: no decodable MPEG audio frames',
    onSlice: (slice) => frames.feed(slice),
  });
  return {
    info,
    chunkRate: sampleRate,
    chunks,
    release: () => undefined,
    // The count includes the encoder's delay and padding, which mpg123 trims (at most about two frames).
    declaredSlackFrames: 3 * frame.samplesPerFrame,
    endedInsideFrame: () => frames.endedInsideUnit,
  };
}
