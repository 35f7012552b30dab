/**
 * Downloads the FSMN-VAD model files from ModelScope (or a mirror), verifying each against
 * KNOWN_MODEL_SHA256. Each file is streamed to a temporary file in the target directory, hashed on the
 * way, and renamed into place only when its hash is right, so an interrupted or corrupted download
 * never leaves a file that looks valid.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VadError } from '@vadfleet/shared/errors';
import { KNOWN_MODEL_SHA256, MODEL_FILE_NAMES, type ModelFileName, fileSha256 } from './model-files.js';

export const DEFAULT_MODEL_BASE_URL = 'https://www.modelscope.cn/models/iic/speech_fsmn_vad_zh-cn-16k-common-onnx/resolve/master/';

export interface FetchProgress {
  file: ModelFileName;
  /** `present`: already there with the right hash, not downloaded. */
  state: 'present' | 'downloading' | 'done';
  receivedBytes: number;
  /** From Content-Length, when the server sends it. */
  totalBytes?: number;
}

export interface FetchModelOptions {
  /** Directory URL the file names are appended to. Default: ModelScope's `resolve/master/`. */
  baseUrl?: string;
  dir: string;
  onProgress?: (progress: FetchProgress) => void;
  signal?: AbortSignal;
}

export async function fetchModel(options: FetchModelOptions): Promise<{ downloaded: ModelFileName[]; present: ModelFileName[] }> {
  const base = (options.baseUrl ?? DEFAULT_MODEL_BASE_URL).replace(/\/?$/, '/');
  await mkdir(options.dir, { recursive: true });
  const downloaded: ModelFileName[] = [];
  const present: ModelFileName[] = [];
  for (const file of MODEL_FILE_NAMES) {
    const target = join(options.dir, file);
    if (await hasHash(target, KNOWN_MODEL_SHA256[file])) {
      present.push(file);
      options.onProgress?.({ file, state: 'present', receivedBytes: 0 });
      continue;
    }
    await downloadFile(new URL(file, base).href, file, target, options);
    downloaded.push(file);
  }
  return { downloaded, present };
}

async function hasHash(path: string, sha256: string): Promise<boolean> {
  const fileStat = await stat(path).catch(() => undefined);
  return fileStat?.isFile() === true && (await fileSha256(path)) === sha256;
}

async function downloadFile(url: string, file: ModelFileName, target: string, options: FetchModelOptions): Promise<void> {
  const offline = (err: unknown) =>
    new VadError(
      'MODEL_NOT_FOUND',
      `Cannot reach ${url} (${describeCause(err)}); copy the model files from another machine and set VAD_MODEL_DIR, or pass --base-url / VAD_MODEL_BASE_URL for a mirror.`,
      { cause: err },
    );
  let response: Response;
  try {
    response = await fetch(url, { signal: options.signal });
  } catch (err) {
    throw offline(err);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new VadError('MODEL_NOT_FOUND', `${url} answered HTTP ${response.status}; check the base URL (--base-url or VAD_MODEL_BASE_URL).`);
  }
  const totalBytes = Number(response.headers.get('content-length')) || undefined;
  const temp = `${target}.${randomBytes(6).toString('hex')}.part`;
  const hash = createHash('sha256');
  let receivedBytes = 0;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  const hashAndCount = async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      hash.update(chunk);
      receivedBytes += chunk.length;
      options.onProgress?.({ file, state: 'downloading', receivedBytes, totalBytes });
      yield chunk;
    }
  };
  try {
    try {
      await pipeline(body, hashAndCount, createWriteStream(temp, { flags: 'wx' }));
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') throw err;
      // An errno with a syscall comes from our own disk, anything else from the network.
      if ((err as NodeJS.ErrnoException).syscall) throw new VadError('INTERNAL', `Cannot write ${temp}: ${(err as Error).message}`, { cause: err });
      throw offline(err);
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== KNOWN_MODEL_SHA256[file]) {
      throw new VadError(
        'MODEL_INVALID',
        `${url} served ${file} with SHA-256 ${sha256}, expected ${KNOWN_MODEL_SHA256[file]}: the download is corrupt or the mirror holds other files; nothing was written. Retry, or use another --base-url.`,
      );
    }
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
  options.onProgress?.({ file, state: 'done', receivedBytes, totalBytes });
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
