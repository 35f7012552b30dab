/**
 * Pull-based reader over an async byte stream: buffers only what a header parser asks for, hands data
 * through in bounded slices, and rejects promptly with `signal.reason` when the signal aborts, even
 * while waiting on a stalled source.
 */
export class ByteSource {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly signal?: AbortSignal;
  private buffer: Uint8Array = new Uint8Array(0);
  /** Whether `buffer` is our own (may be written) or a chunk borrowed from the source (read-only). */
  private ownsBuffer = false;
  private start = 0;
  private end = 0;
  private ended = false;
  private closed = false;

  constructor(source: AsyncIterable<Uint8Array>, signal?: AbortSignal) {
    this.iterator = source[Symbol.asyncIterator]();
    this.signal = signal;
  }

  get buffered(): number {
    return this.end - this.start;
  }

  /** Buffers at least `n` bytes unless the stream ends first; returns how many are buffered. */
  async fill(n: number): Promise<number> {
    while (this.buffered < n) {
      const chunk = await this.nextChunk();
      if (!chunk) break;
      this.appendCopy(chunk);
    }
    return this.buffered;
  }

  /** The first `n` buffered bytes (n ≤ buffered), without consuming them. Valid until the next call. */
  peek(n: number): Uint8Array {
    return this.buffer.subarray(this.start, this.start + Math.min(n, this.buffered));
  }

  consume(n: number): void {
    this.start += Math.min(n, this.buffered);
  }

  /** Up to `max` bytes (fewer at a chunk boundary); empty only at the end. Valid until the next call. */
  async readSome(max: number): Promise<Uint8Array> {
    if (this.buffered === 0) {
      const chunk = await this.nextChunk();
      if (!chunk) return new Uint8Array(0);
      this.borrow(chunk);
    }
    const k = Math.min(max, this.buffered);
    const view = this.buffer.subarray(this.start, this.start + k);
    this.consume(k);
    return view;
  }

  /** Discards `n` bytes without buffering them; returns how many were skipped (fewer at the end). */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      if (this.buffered === 0) {
        const chunk = await this.nextChunk();
        if (!chunk) break;
        this.borrow(chunk);
      }
      const k = Math.min(n - skipped, this.buffered);
      this.consume(k);
      skipped += k;
    }
    return skipped;
  }

  /** Releases the source (e.g. closes an HTTP or S3 body). Does not wait for it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer = new Uint8Array(0);
    this.start = this.end = 0;
    this.iterator.return?.().catch(() => undefined);
  }

  private async nextChunk(): Promise<Uint8Array | null> {
    if (this.ended || this.closed) return null;
    for (;;) {
      this.signal?.throwIfAborted();
      const next = this.iterator.next();
      const result = this.signal ? await rejectOnAbort(next, this.signal) : await next;
      if (result.done) {
        this.ended = true;
        return null;
      }
      const chunk = result.value as unknown;
      if (!(chunk instanceof Uint8Array)) throw new TypeError('audio source must yield Uint8Array chunks');
      if (chunk.length > 0) return chunk;
    }
  }

  private borrow(chunk: Uint8Array): void {
    this.buffer = chunk;
    this.ownsBuffer = false;
    this.start = 0;
    this.end = chunk.length;
  }

  private appendCopy(chunk: Uint8Array): void {
    const live = this.buffered;
    if (!this.ownsBuffer || this.end + chunk.length > this.buffer.length) {
      if (this.ownsBuffer && live + chunk.length <= this.buffer.length) {
        this.buffer.copyWithin(0, this.start, this.end);
      } else {
        const grown = new Uint8Array(Math.max(4096, 2 * (live + chunk.length)));
        grown.set(this.buffer.subarray(this.start, this.end));
        this.buffer = grown;
        this.ownsBuffer = true;
      }
      this.start = 0;
      this.end = live;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }
}

function rejectOnAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
