import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { VadError } from '@vadfleet/shared/errors';

/**
 * A pass-through that counts and SHA-256-hashes the bytes on their way and fails once there are more
 * than `maxBytes`: uploads are hashed as they stream to S3, inputs as they stream from S3 into the
 * model, so the content-cache key never costs a second read or a spool of the whole object.
 */
export class ByteMeter extends Transform {
  bytes = 0;
  /** Absent when the caller already knows the content's hash (counting and the limit still apply). */
  private readonly hash?: Hash;
  private digest?: string;

  constructor(
    private readonly maxBytes: number,
    private readonly what = 'The upload',
    options: { hash?: boolean } = {},
  ) {
    super();
    if (options.hash !== false) this.hash = createHash('sha256');
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      done(new VadError('PAYLOAD_TOO_LARGE', `${this.what} is larger than the maximum of ${this.maxBytes} bytes.`));
      return;
    }
    this.hash?.update(chunk);
    done(null, chunk);
  }

  /** SHA-256 (hex) of every byte that passed; call once the stream has ended. */
  sha256(): string {
    if (!this.hash) throw new Error('ByteMeter: created without hashing');
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}
