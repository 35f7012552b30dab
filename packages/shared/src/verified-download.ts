/**
 * One file over HTTP into place, checked against a known SHA-256: the body is written to a temporary
 * file beside the target as it arrives, hashed on the way, and renamed into place only when the hash is right, so an
 * interrupted or corrupted download never leaves a file that looks valid. Used by `npm run model:fetch`
 * and by the tests' data fetch (testkit), which word their own errors from `DownloadError.kind`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';

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
  // Every chunk is taken as soon as it arrives (synchronous writes, no backpressure): Node 22's bundled
  // undici crashes the process when a server closes the connection while a paused body is unread
  // (nodejs/undici#5360), as Python's http.server does after each response.
  const reader = response.body.getReader();
  let fd: number | undefined;
  try {
    try {
      fd = openSync(temp, 'wx');
    } catch (err) {
      await reader.cancel();
      throw new DownloadError('disk', url, `cannot write ${temp}: ${(err as Error).message}`, { cause: err });
    }
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (options.signal?.aborted) throw err;
        throw new DownloadError('unreachable', url, `${url} broke off (${describeCause(err)})`, { cause: err });
      }
      if (chunk.done) break;
      hash.update(chunk.value);
      try {
        writeSync(fd, chunk.value);
      } catch (err) {
        await reader.cancel();
        throw new DownloadError('disk', url, `cannot write ${temp}: ${(err as Error).message}`, { cause: err });
      }
      receivedBytes += chunk.value.length;
      options.onProgress?.(receivedBytes, totalBytes);
    }
    closeSync(fd);
    fd = undefined;
    const actualSha256 = hash.digest('hex');
    if (actualSha256 !== sha256) {
      throw new DownloadError('hash', url, `${url} served SHA-256 ${actualSha256}, expected ${sha256}`, { actualSha256 });
    }
    await rename(temp, target);
  } finally {
    if (fd !== undefined) closeSync(fd);
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
