import type { Encoder } from './encoder.js';

/**
 * Mono 16-bit FLAC: frames of 4096 samples, each subframe the best of CONSTANT, FIXED predictor orders
 * 0–4 with one Rice partition, or VERBATIM. No LPC: speech compresses to roughly 60–70% of PCM16 this
 * way, any FLAC decoder reads it, and there is no native or WASM encoder to install. STREAMINFO (length,
 * block and frame sizes) is written at the end, over the placeholder; its MD5 is left zero ("not
 * computed"), as the format allows.
 *
 * The stream uses variable block sizes so that its last frame is never tiny: one block is held back, and
 * a remainder under MIN_LAST samples is shared with it. Streaming decoders that find a frame's end by the
 * next sync word (ours, @wasm-audio-decoders/flac) drop a final frame shorter than a frame header's
 * look-ahead (~16 bytes), so the last frame is also never CONSTANT and falls back to VERBATIM when small.
 */
const BLOCK = 4096;
const HEADER_BYTES = 42; // "fLaC" + metadata block header + 34-byte STREAMINFO
const MAX_ORDER = 4;
const MIN_LAST = 64;
const MIN_LAST_FRAME_BYTES = 16;
const MAX_RICE = 14; // 15 is the escape code

/** Frame-header sample-rate codes; other rates are written in the frame header in Hz or tens of Hz. */
const RATE_CODES = new Map([
  [88200, 1], [176400, 2], [192000, 3], [8000, 4], [16000, 5], [22050, 6], [24000, 7], [32000, 8], [44100, 9], [48000, 10], [96000, 11],
]);

const CRC8 = new Uint8Array(256);
const CRC16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c8 = i;
  let c16 = i << 8;
  for (let b = 0; b < 8; b++) {
    c8 = c8 & 0x80 ? ((c8 << 1) ^ 0x07) & 0xff : (c8 << 1) & 0xff;
    c16 = c16 & 0x8000 ? ((c16 << 1) ^ 0x8005) & 0xffff : (c16 << 1) & 0xffff;
  }
  CRC8[i] = c8;
  CRC16[i] = c16;
}

export class FlacEncoder implements Encoder {
  /** Samples not yet encoded: up to two blocks (one is held back for the end). */
  private readonly pending = new Int32Array(2 * BLOCK);
  private readonly residual = new Uint32Array(2 * BLOCK);
  private filled = 0;
  private totalSamples = 0;
  private minBlock = 0;
  private maxBlock = 0;
  private minFrameBytes = 0;
  private maxFrameBytes = 0;
  private readonly bits = new BitWriter();

  constructor(private readonly sampleRate: number) {}

  header(): Uint8Array {
    return this.streamInfo();
  }

  encode(samples: Int16Array): Uint8Array {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < samples.length; ) {
      const take = Math.min(2 * BLOCK - this.filled, samples.length - i);
      for (let j = 0; j < take; j++) this.pending[this.filled + j] = samples[i + j];
      this.filled += take;
      i += take;
      if (this.filled === 2 * BLOCK) {
        frames.push(this.encodeFrame(0, BLOCK, false));
        this.pending.copyWithin(0, BLOCK, 2 * BLOCK);
        this.filled = BLOCK;
      }
    }
    return frames.length === 1 ? frames[0] : concat(frames);
  }

  finish(): { tail: Uint8Array; header: Uint8Array } {
    const m = this.filled;
    const frames: Uint8Array[] = [];
    if (m > BLOCK) {
      const first = m - BLOCK < MIN_LAST ? m >> 1 : BLOCK;
      frames.push(this.encodeFrame(0, first, false), this.encodeFrame(first, m - first, true));
    } else if (m > 0) {
      frames.push(this.encodeFrame(0, m, true));
    }
    this.filled = 0;
    return { tail: concat(frames), header: this.streamInfo() };
  }

  private streamInfo(): Uint8Array {
    const h = new Uint8Array(HEADER_BYTES);
    h.set([0x66, 0x4c, 0x61, 0x43, 0x80, 0, 0, 34]); // fLaC; last metadata block, STREAMINFO, 34 bytes
    const v = new DataView(h.buffer, 8);
    v.setUint16(0, Math.max(16, this.minBlock));
    v.setUint16(2, Math.max(16, this.maxBlock));
    v.setUint8(4, this.minFrameBytes >>> 16);
    v.setUint16(5, this.minFrameBytes & 0xffff);
    v.setUint8(7, this.maxFrameBytes >>> 16);
    v.setUint16(8, this.maxFrameBytes & 0xffff);
    // 20 bits rate, 3 bits channels − 1 (0), 5 bits bits-per-sample − 1 (15), 36 bits total samples.
    const rate = this.sampleRate;
    v.setUint8(10, (rate >>> 12) & 0xff);
    v.setUint8(11, (rate >>> 4) & 0xff);
    v.setUint8(12, ((rate & 0x0f) << 4) | (0 << 1) | (15 >> 4));
    v.setUint8(13, ((15 & 0x0f) << 4) | (Math.floor(this.totalSamples / 2 ** 32) & 0x0f));
    v.setUint32(14, this.totalSamples >>> 0);
    return h;
  }

  private encodeFrame(from: number, n: number, last: boolean): Uint8Array {
    const w = this.bits;
    w.reset();
    // Frame header: sync with the variable-blocksize bit, so the header carries the first sample's number;
    // block size as 16 bits at the end; mono; 16-bit samples.
    const rateCode = RATE_CODES.get(this.sampleRate);
    const [rateBits, rateExtra] =
      rateCode !== undefined ? [rateCode, [] as number[]]
      : this.sampleRate <= 0xffff ? [0b1101, [this.sampleRate >> 8, this.sampleRate & 0xff]]
      : [0b1110, [(this.sampleRate / 10) >> 8, (this.sampleRate / 10) & 0xff]];
    const header = [0xff, 0xf9, 0x70 | rateBits, 0x08, ...utf8Number(this.totalSamples), (n - 1) >> 8, (n - 1) & 0xff, ...rateExtra];
    for (const byte of header) w.write(byte, 8);
    w.write(crc8(w.bytes, 0, w.length), 8);
    const start = w.length;
    this.writeSubframe(this.pending.subarray(from, from + n), last);
    w.alignToByte();
    if (last && w.length - start + header.length + 3 < MIN_LAST_FRAME_BYTES) {
      w.truncate(start);
      this.writeVerbatim(this.pending.subarray(from, from + n));
    }
    const crc = crc16(w.bytes, 0, w.length);
    w.write(crc, 16);
    const frame = w.bytes.slice(0, w.length);
    this.totalSamples += n;
    this.minBlock = this.minBlock === 0 ? n : Math.min(this.minBlock, n);
    this.maxBlock = Math.max(this.maxBlock, n);
    this.minFrameBytes = this.minFrameBytes === 0 ? frame.length : Math.min(this.minFrameBytes, frame.length);
    this.maxFrameBytes = Math.max(this.maxFrameBytes, frame.length);
    return frame;
  }

  private writeVerbatim(x: Int32Array): void {
    this.bits.write(0x02, 8);
    for (let i = 0; i < x.length; i++) this.bits.write(x[i] & 0xffff, 16);
  }

  private writeSubframe(x: Int32Array, last: boolean): void {
    const n = x.length;
    const w = this.bits;
    // Sum of |residual| per fixed order, in one pass (orders beyond n − 1 leave no residual to code).
    const maxOrder = Math.min(MAX_ORDER, n - 1);
    const sums = [0, 0, 0, 0, 0];
    for (let i = MAX_ORDER; i < n; i++) {
      const e0 = x[i];
      const e1 = e0 - x[i - 1];
      const e2 = e1 - (x[i - 1] - x[i - 2]);
      const e3 = e2 - (x[i - 1] - 2 * x[i - 2] + x[i - 3]);
      const e4 = e3 - (x[i - 1] - 3 * x[i - 2] + 3 * x[i - 3] - x[i - 4]);
      sums[0] += Math.abs(e0);
      sums[1] += Math.abs(e1);
      sums[2] += Math.abs(e2);
      sums[3] += Math.abs(e3);
      sums[4] += Math.abs(e4);
    }
    let constant = !last;
    for (let i = 1; i < n && constant; i++) constant = x[i] === x[0];
    if (constant) {
      w.write(0x00, 8);
      w.write(x[0] & 0xffff, 16);
      return;
    }
    let order = 0;
    if (n > MAX_ORDER) for (let o = 1; o <= maxOrder; o++) if (sums[o] < sums[order]) order = o;
    const count = n - order;
    const u = this.residual;
    for (let i = order; i < n; i++) {
      let r: number;
      switch (order) {
        case 0: r = x[i]; break;
        case 1: r = x[i] - x[i - 1]; break;
        case 2: r = x[i] - 2 * x[i - 1] + x[i - 2]; break;
        case 3: r = x[i] - 3 * x[i - 1] + 3 * x[i - 2] - x[i - 3]; break;
        default: r = x[i] - 4 * x[i - 1] + 6 * x[i - 2] - 4 * x[i - 3] + x[i - 4];
      }
      u[i - order] = r >= 0 ? 2 * r : -2 * r - 1;
    }
    let sum = 0;
    for (let i = 0; i < count; i++) sum += u[i];
    const guess = sum > count ? Math.min(MAX_RICE, Math.floor(Math.log2(sum / count))) : 0;
    let k = guess;
    let best = riceBits(u, count, guess);
    for (const candidate of [guess - 1, guess + 1]) {
      if (candidate < 0 || candidate > MAX_RICE) continue;
      const bits = riceBits(u, count, candidate);
      if (bits < best) [best, k] = [bits, candidate];
    }
    if (order * 16 + 10 + best >= 16 * n) return this.writeVerbatim(x);
    w.write((0b001000 | order) << 1, 8); // FIXED, order
    for (let i = 0; i < order; i++) w.write(x[i] & 0xffff, 16);
    w.write(0, 2); // Rice, 4-bit parameters
    w.write(0, 4); // partition order 0: one partition
    w.write(k, 4);
    const mask = (1 << k) - 1;
    for (let i = 0; i < count; i++) {
      w.zeros(u[i] >>> k);
      w.write(1, 1);
      if (k > 0) w.write(u[i] & mask, k);
    }
  }
}

function riceBits(u: Uint32Array, count: number, k: number): number {
  let bits = count * (k + 1);
  for (let i = 0; i < count; i++) bits += u[i] >>> k;
  return bits;
}

/** FLAC's UTF-8-like coding of the frame number. */
function utf8Number(n: number): number[] {
  if (n < 0x80) return [n];
  const tail: number[] = [];
  let rest = n;
  let continuation = 0;
  // Each continuation byte carries 6 bits; the first byte keeps 6 − continuation bits after its prefix.
  do {
    tail.unshift(0x80 | (rest & 0x3f));
    rest = Math.floor(rest / 64);
    continuation++;
  } while (rest >= 1 << (6 - continuation));
  return [((0xff00 >> (continuation + 1)) & 0xff) | rest, ...tail];
}

function crc8(bytes: Uint8Array, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = CRC8[crc ^ bytes[i]];
  return crc;
}

function crc16(bytes: Uint8Array, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ CRC16[(crc >> 8) ^ bytes[i]];
  return crc;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** MSB-first bit writer into a growing byte buffer, reused frame after frame. */
class BitWriter {
  bytes = new Uint8Array(2 * BLOCK * 2 + 64);
  length = 0;
  private current = 0;
  private used = 0;

  /** Back to a byte position (no partial byte pending). */
  truncate(length: number): void {
    this.length = length;
    this.current = 0;
    this.used = 0;
  }

  reset(): void {
    this.length = 0;
    this.current = 0;
    this.used = 0;
  }

  /** Writes the low `n` bits of `value` (n ≤ 24). */
  write(value: number, n: number): void {
    while (n > 0) {
      const take = Math.min(8 - this.used, n);
      n -= take;
      this.current = (this.current << take) | ((value >>> n) & ((1 << take) - 1));
      this.used += take;
      if (this.used === 8) this.pushByte();
    }
  }

  zeros(n: number): void {
    while (n > 0) {
      const take = Math.min(n, 24);
      this.write(0, take);
      n -= take;
    }
  }

  alignToByte(): void {
    if (this.used > 0) this.write(0, 8 - this.used);
  }

  private pushByte(): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = this.current;
    this.current = 0;
    this.used = 0;
  }
}
