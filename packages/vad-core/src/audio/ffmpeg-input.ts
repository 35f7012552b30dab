/**
 * What ffmpeg reads: the file itself when the source is one, else the stream on stdin, except for
 * containers that need seeking. An MP4/M4A/MOV written without `-movflags +faststart` keeps its index
 * (moov) after the media data; from a pipe ffmpeg cannot go back for the samples and produces nothing. Such
 * streams are spooled to a private temporary file first, bounded by `maxInputBytes`.
 */
import { open, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VadError } from '@vadfleet/shared/errors';
import type { OpenAudioOptions } from '../types.js';
import type { ByteSource } from './byte-source.js';

/** Default spool bound when the caller gives none (the worker's MAX_INPUT_BYTES default). */
export const DEFAULT_MAX_INPUT_BYTES = 4 * 1024 ** 3;
const SPOOL_PREFIX = 'vadfleet-ffmpeg-';

export interface FfmpegInput {
  /** ffmpeg's `-i` argument. */
  url: string;
  /** Whether the bytes must be written to ffmpeg's stdin. */
  piped: boolean;
  /** Deletes a spooled copy; call once ffmpeg has exited. */
  remove(): Promise<void>;
}

/** ISO BMFF (MP4, M4A, MOV, 3GP): the index may follow the data. */
function needsSeeking(head: Uint8Array): boolean {
  return head.length >= 8 && head[4] === 0x66 && head[5] === 0x74 && head[6] === 0x79 && head[7] === 0x70; // 'ftyp'
}

export async function ffmpegInput(src: ByteSource, head: Uint8Array, opts: OpenAudioOptions): Promise<FfmpegInput> {
  // 'file:' keeps a name with a colon from being read as a protocol.
  if (opts.filePath !== undefined) return { url: `file:${opts.filePath}`, piped: false, remove: async () => undefined };
  if (!needsSeeking(head)) return { url: 'pipe:0', piped: true, remove: async () => undefined };
  const dir = await mkdtemp(join(tmpdir(), SPOOL_PREFIX));
  const remove = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'input');
  try {
    const maxBytes = opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
    const file = await open(path, 'wx', 0o600);
    try {
      for (let total = 0; ; ) {
        const bytes = await src.readSome(1 << 20);
        if (bytes.length === 0) break;
        total += bytes.length;
        if (total > maxBytes) throw new VadError('PAYLOAD_TOO_LARGE', `the input is larger than the maximum of ${maxBytes} bytes`);
        await file.write(bytes);
      }
    } finally {
      await file.close();
    }
  } catch (err) {
    await remove();
    throw err;
  }
  return { url: `file:${path}`, piped: false, remove };
}
