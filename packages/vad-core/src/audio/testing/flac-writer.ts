/**
 * Test-only FLAC encoder: 16-bit, VERBATIM (or CONSTANT) subframes, fixed block size, independent
 * channels. Enough to give the real decoder real frames with correct CRCs.
 */

function crc8(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** FLAC's UTF-8-like coding of the frame number. */
function utf8Number(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  let continuation = 0;
  do {
    bytes.unshift(0x80 | (n & 0x3f));
    n = Math.floor(n / 64);
    continuation++;
  } while (n > 0x3f >> continuation);
  bytes.unshift(((0xff00 >> (continuation + 1)) & 0xff) | n);
  return bytes;
}

const RATE_CODES: Record<number, number> = {
  88200: 1, 176400: 2, 192000: 3, 8000: 4, 16000: 5, 22050: 6, 24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11,
};

export interface FlacOptions {
  sampleRate: number;
  blockSize?: number;
  /** STREAMINFO total samples (default: the real count; 0 = unknown). */
  declaredSamples?: number;
  /** Encode each block as CONSTANT subframes of its first sample (a decompression bomb generator). */
  constant?: boolean;
}

export function encodeFlac16(channels: ArrayLike<number>[], opts: FlacOptions): Uint8Array {
  const blockSize = opts.blockSize ?? 4096;
  const total = channels[0].length;
  const parts: number[] = [0x66, 0x4c, 0x61, 0x43]; // fLaC
  parts.push(0x80, 0, 0, 34); // last metadata block, STREAMINFO, 34 bytes
  const declared = opts.declaredSamples ?? total;
  const si = new Uint8Array(34);
  const v = new DataView(si.buffer);
  v.setUint16(0, blockSize);
  v.setUint16(2, blockSize);
  si[10] = (opts.sampleRate >> 12) & 0xff;
  si[11] = (opts.sampleRate >> 4) & 0xff;
  si[12] = ((opts.sampleRate & 0x0f) << 4) | ((channels.length - 1) << 1) | ((16 - 1) >> 4);
  si[13] = (((16 - 1) & 0x0f) << 4) | Math.floor(declared / 2 ** 32);
  v.setUint32(14, declared >>> 0);
  parts.push(...si);

  for (let start = 0, frame = 0; start < total; start += blockSize, frame++) {
    const n = Math.min(blockSize, total - start);
    // Explicit sample rate in every frame header (the WASM wrapper hands libFLAC frames without STREAMINFO).
    const rateCode = RATE_CODES[opts.sampleRate];
    const rateBits = rateCode ?? 0b1101; // else: 16-bit rate in Hz after the block size
    const header = [0xff, 0xf8, 0x70 | rateBits, ((channels.length - 1) << 4) | 0x08, ...utf8Number(frame), (n - 1) >> 8, (n - 1) & 0xff];
    if (rateCode === undefined) header.push(opts.sampleRate >> 8, opts.sampleRate & 0xff);
    header.push(crc8(Uint8Array.from(header)));
    const body: number[] = [...header];
    for (const ch of channels) {
      if (opts.constant) {
        body.push(0x00, (ch[start] >> 8) & 0xff, ch[start] & 0xff);
      } else {
        body.push(0x02);
        for (let i = 0; i < n; i++) body.push((ch[start + i] >> 8) & 0xff, ch[start + i] & 0xff);
      }
    }
    const crc = crc16(Uint8Array.from(body));
    body.push(crc >> 8, crc & 0xff);
    for (const b of body) parts.push(b);
  }
  return Uint8Array.from(parts);
}
