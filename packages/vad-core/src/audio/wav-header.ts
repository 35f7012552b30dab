/**
 * Streaming RIFF/WAVE and RF64/BW64 header parser (spec §3.2): walks the chunks up to `data`, in any
 * order, skipping unknown ones and pad bytes, and leaves the source positioned at the first data byte.
 * The data size decides how much is read: nothing after the data chunk is ever taken as audio.
 */
import { VadError } from '@vadfleet/shared/errors';
import { ByteSource } from './byte-source.js';
import type { PcmCodec } from './pcm-converter.js';

export interface WavHeader {
  container: 'wav' | 'rf64';
  codec: PcmCodec;
  channels: number;
  sampleRate: number;
  /** Bytes per interleaved frame (all channels). */
  blockAlign: number;
  /** Bytes of sample data, or null for "until the end of the stream" (size 0 or 0xFFFFFFFF). */
  dataBytes: number | null;
}

/** Larger fmt/ds64 chunks are not plausible (EXTENSIBLE is 40 bytes). */
const MAX_FORMAT_CHUNK_BYTES = 4096;
const UNTIL_END = 0xffffffff;

const FORMAT_TAG_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG audio',
  0x0055: 'MPEG Layer 3',
  0x0161: 'Windows Media Audio',
  0x2000: 'AC-3',
};

const SUPPORTED = 'supported WAV encodings: PCM 8/16/24/32-bit, IEEE float 32/64-bit, A-law, μ-law';

function invalid(message: string): VadError {
  return new VadError('INVALID_AUDIO', `WAV: ${message}`);
}

function fourCC(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
}

/** 64-bit little-endian size as a number (exact below 2^53, which covers any real stream). */
function readUint64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32;
}

interface FormatFields {
  codec: PcmCodec;
  channels: number;
  sampleRate: number;
  blockAlign: number;
}

function parseFormat(bytes: Uint8Array): FormatFields {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let tag = view.getUint16(0, true);
  const channels = view.getUint16(2, true);
  const sampleRate = view.getUint32(4, true);
  const blockAlign = view.getUint16(12, true);
  const bits = view.getUint16(14, true);
  if (tag === 0xfffe) {
    if (bytes.length < 40) throw invalid(`WAVE_FORMAT_EXTENSIBLE fmt chunk is ${bytes.length} bytes; 40 expected`);
    tag = view.getUint16(24, true); // first two bytes of the sub-format GUID
  }
  if (channels === 0) throw invalid('the fmt chunk declares 0 channels');
  if (sampleRate === 0) throw invalid('the fmt chunk declares a sample rate of 0 Hz');

  let codec: PcmCodec;
  switch (tag) {
    case 1:
      if (bits !== 8 && bits !== 16 && bits !== 24 && bits !== 32) {
        throw new VadError('UNSUPPORTED_FORMAT', `WAV: PCM with ${bits} bits per sample is not supported (8, 16, 24 or 32)`);
      }
      codec = bits === 8 ? 'pcm_u8' : bits === 16 ? 'pcm_s16le' : bits === 24 ? 'pcm_s24le' : 'pcm_s32le';
      break;
    case 3:
      if (bits !== 32 && bits !== 64) {
        throw new VadError('UNSUPPORTED_FORMAT', `WAV: IEEE float with ${bits} bits per sample is not supported (32 or 64)`);
      }
      codec = bits === 32 ? 'pcm_f32le' : 'pcm_f64le';
      break;
    case 6:
    case 7:
      if (bits !== 8) throw invalid(`${tag === 6 ? 'A-law' : 'μ-law'} with ${bits} bits per sample; G.711 is 8-bit`);
      codec = tag === 6 ? 'pcm_alaw' : 'pcm_mulaw';
      break;
    default: {
      const name = FORMAT_TAG_NAMES[tag] ? ` (${FORMAT_TAG_NAMES[tag]})` : '';
      const hex = `0x${tag.toString(16).padStart(4, '0')}`;
      throw new VadError('UNSUPPORTED_FORMAT', `WAV: format tag ${hex}${name} is not supported; ${SUPPORTED}`);
    }
  }
  const expectedAlign = (channels * bits) / 8;
  if (blockAlign !== expectedAlign) {
    throw invalid(`block align ${blockAlign} does not match ${channels} channels × ${bits} bits (${expectedAlign} bytes)`);
  }
  return { codec, channels, sampleRate, blockAlign };
}

/** Reads chunks up to the start of the sample data. Throws INVALID_AUDIO/UNSUPPORTED_FORMAT on bad headers. */
export async function parseWavHeader(src: ByteSource): Promise<WavHeader> {
  return walkChunks(src, 'data');
}

/** A WAV header's format, without the size of its data: what its fmt chunk says. */
export type WavFormat = Omit<WavHeader, 'dataBytes'>;

/**
 * The format of a WAV/RF64 file from its first bytes (a ranged read of a stored object, say), found by
 * the same chunk walk as parseWavHeader but stopping at the fmt chunk, so chunks between it and the
 * data (LIST, bext) need not fit. Null when the bytes are not a WAV header vad-core can decode.
 */
export async function probeWavFormat(head: Uint8Array): Promise<WavFormat | null> {
  if (head.length < 12 || !['RIFF', 'RF64', 'BW64'].includes(fourCC(head, 0))) return null;
  const src = new ByteSource((async function* () {
    yield head;
  })());
  try {
    return await walkChunks(src, 'fmt ');
  } catch {
    return null;
  } finally {
    src.close();
  }
}

async function walkChunks(src: ByteSource, until: 'data'): Promise<WavHeader>;
async function walkChunks(src: ByteSource, until: 'fmt '): Promise<WavFormat>;
async function walkChunks(src: ByteSource, until: 'data' | 'fmt '): Promise<WavHeader | WavFormat> {
  if ((await src.fill(12)) < 12) throw invalid('the stream ends inside the RIFF header');
  const riff = src.peek(12);
  const container = fourCC(riff, 0) === 'RIFF' ? 'wav' : 'rf64';
  if (fourCC(riff, 8) !== 'WAVE') throw invalid('not a WAVE file');
  src.consume(12);

  let format: FormatFields | null = null;
  let ds64DataBytes: number | null = null;
  for (;;) {
    const got = await src.fill(8);
    if (got < 8) throw invalid(format ? 'the stream ends before the data chunk' : 'no fmt chunk before the end of the stream');
    const head = src.peek(8);
    const id = fourCC(head, 0);
    const size = new DataView(head.buffer, head.byteOffset, 8).getUint32(4, true);
    src.consume(8);
    const pad = size & 1;

    if (id === 'data') {
      if (!format) throw invalid('the data chunk comes before the fmt chunk');
      let dataBytes: number | null = size;
      if (size === UNTIL_END) dataBytes = ds64DataBytes;
      else if (size === 0) dataBytes = null;
      return { container, ...format, dataBytes };
    }

    if (id === 'fmt ' || id === 'ds64') {
      const minimum = id === 'fmt ' ? 16 : 24;
      if (size < minimum) throw invalid(`the ${id.trim()} chunk is ${size} bytes; at least ${minimum} expected`);
      if (size > MAX_FORMAT_CHUNK_BYTES) throw invalid(`the ${id.trim()} chunk claims ${size} bytes, which is implausible`);
      if ((await src.fill(size)) < size) throw invalid(`the stream ends inside the ${id.trim()} chunk`);
      const body = src.peek(size);
      if (id === 'fmt ') {
        if (!format) format = parseFormat(body);
        if (until === 'fmt ') return { container, ...format };
      } else {
        const size64 = readUint64(new DataView(body.buffer, body.byteOffset, size), 8);
        ds64DataBytes = size64 === 0 ? null : size64;
      }
      src.consume(size);
      await src.skip(pad);
      continue;
    }

    await src.skip(size + pad);
  }
}
