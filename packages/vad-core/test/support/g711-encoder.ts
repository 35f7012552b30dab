/** G.711 encoders (ITU-T G.711 as in Sun's reference g711.c): 16-bit linear → 8-bit code. */

const MULAW_SEG_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segmentOf(value: number, ends: number[]): number {
  let seg = 0;
  while (seg < 8 && value > ends[seg]) seg++;
  return seg;
}

export function linearToMulaw(sample: number): number {
  let v = sample >> 2; // 14-bit magnitude
  let mask = 0xff;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  }
  v = Math.min(v, 8159) + (0x84 >> 2);
  const seg = segmentOf(v, MULAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask;
}

export function linearToAlaw(sample: number): number {
  let v = sample >> 3; // 13-bit magnitude
  let mask = 0xd5;
  if (v < 0) {
    mask = 0x55;
    v = -v - 1;
  }
  const seg = segmentOf(v, ALAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  const quant = seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
  return ((seg << 4) | quant) ^ mask;
}

export const encodeMulaw = (x: ArrayLike<number>): Uint8Array => Uint8Array.from({ length: x.length }, (_, i) => linearToMulaw(x[i]));
export const encodeAlaw = (x: ArrayLike<number>): Uint8Array => Uint8Array.from({ length: x.length }, (_, i) => linearToAlaw(x[i]));
