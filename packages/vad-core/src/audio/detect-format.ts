/**
 * Container detection from the first bytes (never the file name). 'unknown-media' is a format we
 * recognise as audio/video that has no in-process decoder (handed to ffmpeg); 'unknown' is anything else.
 */
export type DetectedFormat = 'wav' | 'rf64' | 'mp3' | 'flac' | 'ogg' | 'unknown-media' | 'unknown';

/** Bytes `openAudio` buffers for detection (two MPEG frames fit). */
export const DETECT_BYTES = 4096;

function ascii(head: Uint8Array, offset: number, text: string): boolean {
  if (head.length < offset + text.length) return false;
  for (let i = 0; i < text.length; i++) if (head[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Length of an ID3v2 tag at the start (header, body, optional footer), or 0. */
export function id3TagLength(head: Uint8Array): number {
  if (!ascii(head, 0, 'ID3') || head.length < 10) return 0;
  const syncsafe = ((head[6] & 0x7f) << 21) | ((head[7] & 0x7f) << 14) | ((head[8] & 0x7f) << 7) | (head[9] & 0x7f);
  return 10 + syncsafe + (head[5] & 0x10 ? 10 : 0);
}

export interface MpegFrameHeader {
  /** 1 (MPEG-1), 2 (MPEG-2) or 2.5. */
  version: 1 | 2 | 2.5;
  layer: 1 | 2 | 3;
  sampleRate: number;
  channels: 1 | 2;
  /** Bytes in this frame, padding included. */
  frameBytes: number;
  samplesPerFrame: number;
}

const MPEG_RATES = { 1: [44100, 48000, 32000], 2: [22050, 24000, 16000], 2.5: [11025, 12000, 8000] } as const;
// kbit/s by [version group][layer][index]; version group 0 = MPEG-1, 1 = MPEG-2/2.5.
const MPEG_BITRATES = [
  [
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  [
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
];

/** Parses a 4-byte MPEG audio frame header at `offset`; null when it is not one (free-format included). */
export function parseMpegFrameHeader(bytes: Uint8Array, offset: number): MpegFrameHeader | null {
  if (bytes.length < offset + 4) return null;
  const b1 = bytes[offset + 1], b2 = bytes[offset + 2], b3 = bytes[offset + 3];
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const versionBits = (b1 >> 3) & 3;
  const layerBits = (b1 >> 1) & 3;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5;
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const sampleRate = MPEG_RATES[version][rateIndex];
  const bitrate = MPEG_BITRATES[version === 1 ? 0 : 1][layer - 1][bitrateIndex] * 1000;
  const padding = (b2 >> 1) & 1;
  const samplesPerFrame = layer === 1 ? 384 : layer === 3 && version !== 1 ? 576 : 1152;
  const frameBytes = layer === 1
    ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4
    : Math.floor((samplesPerFrame / 8) * bitrate / sampleRate) + padding;
  return { version, layer, sampleRate, channels: b3 >> 6 === 3 ? 1 : 2, frameBytes, samplesPerFrame };
}

/**
 * Offset of the first MPEG frame whose successor also parses (or runs past the head), or −1. Used after
 * an ID3 tag, where encoders sometimes leave padding before the first frame.
 */
export function findMpegFrame(head: Uint8Array): number {
  for (let offset = 0; offset + 4 <= head.length; offset++) {
    if (head[offset] !== 0xff) continue;
    const frame = parseMpegFrameHeader(head, offset);
    if (!frame) continue;
    const next = offset + frame.frameBytes;
    if (head.length < next + 4 || parseMpegFrameHeader(head, next)) return offset;
  }
  return -1;
}

export function detectFormat(head: Uint8Array): DetectedFormat {
  if (ascii(head, 8, 'WAVE')) {
    if (ascii(head, 0, 'RIFF')) return 'wav';
    if (ascii(head, 0, 'RF64') || ascii(head, 0, 'BW64')) return 'rf64';
  }
  if (ascii(head, 0, 'fLaC')) return 'flac';
  if (ascii(head, 0, 'OggS')) {
    // The first page carries the codec's identification header at byte 28 (one-segment page).
    return ascii(head, 28, 'OpusHead') ? 'ogg' : 'unknown-media';
  }
  const id3 = id3TagLength(head);
  if (id3 > 0) return id3 >= head.length ? 'mp3' : detectFormat(head.subarray(id3));
  if (isMediaSignature(head)) return 'unknown-media';
  const frame = parseMpegFrameHeader(head, 0);
  if (frame) {
    // A lone sync word is weak evidence: require the next frame header where this frame ends, when the
    // head reaches that far.
    const next = frame.frameBytes;
    if (head.length < next + 4 || parseMpegFrameHeader(head, next)) return 'mp3';
  }
  return 'unknown';
}

/** Containers and codecs that ffmpeg decodes and we do not. */
function isMediaSignature(head: Uint8Array): boolean {
  return (
    ascii(head, 4, 'ftyp') || // ISO BMFF: M4A, MP4, 3GP, MOV
    (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) || // Matroska/WebM
    (head.length >= 2 && head[0] === 0xff && (head[1] & 0xf6) === 0xf0) || // AAC ADTS
    ascii(head, 0, 'caff') ||
    (ascii(head, 0, 'FORM') && (ascii(head, 8, 'AIFF') || ascii(head, 8, 'AIFC'))) ||
    (ascii(head, 0, 'RIFF') && ascii(head, 8, 'AVI ')) ||
    ascii(head, 0, 'RIFX') || // big-endian WAV
    ascii(head, 0, '#!AMR') ||
    ascii(head, 0, '.snd') || // Sun/NeXT AU
    ascii(head, 0, 'wvpk') || // WavPack
    ascii(head, 0, 'MAC ') || // Monkey's Audio
    ascii(head, 0, 'MPCK') || // Musepack
    ascii(head, 0, 'TTA1') ||
    (head.length >= 4 && head[0] === 0x30 && head[1] === 0x26 && head[2] === 0xb2 && head[3] === 0x75) // ASF/WMA
  );
}
