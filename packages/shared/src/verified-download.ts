/**
 * One file over HTTP into place, checked against a known SHA-256: the body is streamed to a temporary
 * file beside the target, hashed on the way, and renamed into place only when the hash is right, so an
 * interrupted or corrupted download never leaves a file that looks valid. Used by `npm run model:fetch`
 * and by the tests' data fetch (testkit), which word their own errors from `DownloadError.kind`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type DownloadFailure =
  /** No HTTP answer: DNS, refused or reset connection, timeout. */
  | 'unreachable'
  /** A non-2xx answer (`status`). */
  | 'http'
  /** The body's SHA-256 is not the expected one (`actualSha256`); nothing was written. */
  | 'hash'
  /** Our own disk refused the temporary file. */
  | 'disk';

export class DownloadError extends Error {
  constructor(
    readonly kind: DownloadFailure,
    readonly url: string,
    message: string,
    readonly detail: { status?: number; actualSha256?: string; cause?: unknown } = {},
  ) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Gives up when no response headers arrived within this time (a silently dropping firewall). Default 30 s. */
  headersTimeoutMs?: number;
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
}

export async function downloadVerified(url: string, sha256: string, target: string, options: DownloadOptions = {}): Promise<{ bytes: number }> {
  const headersTimeout = new AbortController();
  const timer = setTimeout(() => headersTimeout.abort(new Error(`no answer within ${options.headersTimeoutMs ?? 30_000} ms`)), options.headersTimeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, headersTimeout.signal]) : headersTimeout.signal;
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new DownloadError('unreachable', url, `cannot reach ${url} (${describeCause(err)})`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new DownloadError('http', url, `${url} answered HTTP ${response.status}`, { status: response.status });
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
      options.onProgress?.(receivedBytes, totalBytes);
      yield chunk;
    }
  };
  try {
    try {
      await pipeline(body, hashAndCount, createWriteStream(temp, { flags: 'wx' }));
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') throw err;
      // An errno with a syscall comes from our own disk, anything else from the network.
      if ((err as NodeJS.ErrnoException).syscall) throw new DownloadError('disk', url, `cannot write ${temp}: ${(err as Error).message}`, { cause: err });
      throw new DownloadError('unreachable', url, `${url} broke off (${describeCause(err)})`, { cause: err });
    }
    const actualSha256 = hash.digest('hex');
    if (actualSha256 !== sha256) {
      throw new DownloadError('hash', url, `${url} served SHA-256 ${actualSha256}, expected ${sha256}`, { actualSha256 });
    }
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
  return { bytes: receivedBytes };
}

/** SHA-256 (hex) of a file, or undefined when there is no regular file at `path`. */
export async function sha256OfFile(path: string): Promise<string | undefined> {
  const fileStat = await stat(path).catch(() => undefined);
  if (!fileStat?.isFile()) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
