import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { VadError } from '@vadfleet/shared/errors';

/**
 * An input object read once, hashed on the way, and kept where it can be read again: in memory when
 * small, else in a temporary file. The hash is what the content cache needs before deciding to run the
 * model, and it is only known after the last byte, so the bytes must be kept until then.
 */
export interface Spool {
  /** SHA-256 of the bytes, hex. */
  sha256: string;
  size: number;
  /** The bytes (memory) or the path of the temporary file, as `Vad.detect` accepts either. */
  source: Uint8Array | string;
  /** Removes the temporary file, if any. */
  dispose(): Promise<void>;
}

export interface SpoolOptions {
  /** Expected size (from S3); decides memory vs file up front. */
  expectedBytes: number;
  memoryMaxBytes: number;
  /** More bytes than this fail with PAYLOAD_TOO_LARGE. */
  maxBytes: number;
  /** Parent of the temporary directory; default the OS temp directory. */
  dir?: string;
  signal?: AbortSignal;
}

export async function spoolStream(body: Readable, opts: SpoolOptions): Promise<Spool> {
  const hash = createHash('sha256');
  const abort = () => body.destroy(new VadError('JOB_CANCELLED', 'The job was cancelled while its input was read.'));
  opts.signal?.addEventListener('abort', abort, { once: true });
  const tooLarge = () => new VadError('PAYLOAD_TOO_LARGE', `The input is larger than MAX_INPUT_BYTES (${opts.maxBytes} bytes).`);
  try {
    if (opts.expectedBytes > opts.maxBytes) throw tooLarge();
    if (opts.expectedBytes <= opts.memoryMaxBytes) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > opts.maxBytes) throw tooLarge();
        hash.update(chunk);
        chunks.push(chunk);
      }
      const bytes = Buffer.concat(chunks, size);
      return { sha256: hash.digest('hex'), size, source: new Uint8Array(bytes.buffer, bytes.byteOffset, size), dispose: async () => {} };
    }
    const dir = await mkdtemp(join(opts.dir ?? tmpdir(), 'vadfleet-input-'));
    const path = join(dir, 'audio');
    const dispose = () => rm(dir, { recursive: true, force: true });
    const file = createWriteStream(path);
    try {
      let size = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > opts.maxBytes) throw tooLarge();
        hash.update(chunk);
        if (!file.write(chunk)) await once(file, 'drain'); // rejects if the file errors
      }
      file.end();
      await finished(file);
      return { sha256: hash.digest('hex'), size, source: path, dispose };
    } catch (err) {
      file.destroy();
      await dispose();
      throw err;
    }
  } catch (err) {
    body.destroy();
    throw opts.signal?.aborted ? new VadError('JOB_CANCELLED') : err;
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
}
