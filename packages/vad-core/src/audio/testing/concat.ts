/** Test-only: arrays end to end in one new array. */

function joinInto<T extends Uint8Array | Float32Array>(out: T, parts: readonly ArrayLike<number>[]): T {
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const totalLength = (parts: readonly ArrayLike<number>[]) => parts.reduce((n, p) => n + p.length, 0);

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return joinInto(new Uint8Array(totalLength(parts)), parts);
}

export function concatSamples(parts: readonly Float32Array[]): Float32Array {
  return joinInto(new Float32Array(totalLength(parts)), parts);
}
