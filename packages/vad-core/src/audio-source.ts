import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { VadError } from '@vadfleet/shared/errors';

/** What `detect` accepts: a file path, bytes in memory, a Node Readable, or any async iterable of bytes. */
export type AudioSource = string | Uint8Array | AsyncIterable<Uint8Array>;

const READ_CHUNK_BYTES = 1 << 20;

/** Normalises a source to an async iterable of byte chunks; a missing path is INPUT_NOT_FOUND. */
export async function toByteStream(source: AudioSource): Promise<AsyncIterable<Uint8Array>> {
  if (typeof source === 'string') {
    const info = await stat(source).catch(() => undefined);
    if (!info?.isFile()) throw new VadError('INPUT_NOT_FOUND', `No such file: ${source}`);
    return createReadStream(source, { highWaterMark: READ_CHUNK_BYTES });
  }
  if (source instanceof Uint8Array) {
    return (async function* () {
      for (let i = 0; i < source.length; i += READ_CHUNK_BYTES) yield source.subarray(i, i + READ_CHUNK_BYTES);
    })();
  }
  return source;
}
