/**
 * Downloads the FSMN-VAD model files from ModelScope (or a mirror), verifying each against
 * KNOWN_MODEL_SHA256 (shared's downloadVerified: a file lands only when its hash is right).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { VadError } from '@vadfleet/shared/errors';
import { DownloadError, downloadVerified } from '@vadfleet/shared/verified-download';
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
    if ((await fileSha256(target).catch(() => undefined)) === KNOWN_MODEL_SHA256[file]) {
      present.push(file);
      options.onProgress?.({ file, state: 'present', receivedBytes: 0 });
      continue;
    }
    const url = new URL(file, base).href;
    let receivedBytes = 0;
    let totalBytes: number | undefined;
    try {
      await downloadVerified(url, KNOWN_MODEL_SHA256[file], target, {
        signal: options.signal,
        onProgress: (received, total) => {
          [receivedBytes, totalBytes] = [received, total];
          options.onProgress?.({ file, state: 'downloading', receivedBytes, totalBytes });
        },
      });
    } catch (err) {
      throw toModelError(err, file);
    }
    options.onProgress?.({ file, state: 'done', receivedBytes, totalBytes });
    downloaded.push(file);
  }
  return { downloaded, present };
}

function toModelError(err: unknown, file: ModelFileName): unknown {
  if (!(err instanceof DownloadError)) return err;
  switch (err.kind) {
    case 'unreachable':
      return new VadError('MODEL_NOT_FOUND', `${err.message[0].toUpperCase()}${err.message.slice(1)}; copy the model files from another machine and set VAD_MODEL_DIR, or pass --base-url / VAD_MODEL_BASE_URL for a mirror.`, { cause: err });
    case 'http':
      return new VadError('MODEL_NOT_FOUND', `${err.url} answered HTTP ${err.detail.status}; check the base URL (--base-url or VAD_MODEL_BASE_URL).`);
    case 'hash':
      return new VadError(
        'MODEL_INVALID',
        `${err.url} served ${file} with SHA-256 ${err.detail.actualSha256}, expected ${KNOWN_MODEL_SHA256[file]}: the download is corrupt or the mirror holds other files; nothing was written. Retry, or use another --base-url.`,
      );
    case 'disk':
      return new VadError('INTERNAL', err.message, { cause: err });
  }
}
