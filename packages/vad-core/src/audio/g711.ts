/**
 * G.711 expansion tables (ITU-T G.711, as in the reference g711.c): byte code → 16-bit linear value.
 * μ-law spans ±32124, A-law ±32256.
 */

function expandMulaw(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

function expandAlaw(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) t += 8;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

export const MULAW_TO_LINEAR = Float32Array.from({ length: 256 }, (_, code) => expandMulaw(code));
export const ALAW_TO_LINEAR = Float32Array.from({ length: 256 }, (_, code) => expandAlaw(code));
