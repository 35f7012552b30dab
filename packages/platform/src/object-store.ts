import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CommonConfig } from '@vadfleet/shared/config';
import { VadError } from '@vadfleet/shared/errors';
import { ByteMeter } from './byte-meter.js';
import { uploadStream } from './stream-upload.js';

export interface S3ClientConfig {
  /** S3-compatible endpoint; undefined means AWS. */
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

/** The S3 settings of the common config (S3_ENDPOINT, S3_REGION, …) as client options. */
export function s3ClientConfigOf(config: Pick<CommonConfig, 'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_FORCE_PATH_STYLE'>): S3ClientConfig {
  return {
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
  };
}

export function createS3Client(cfg: S3ClientConfig): S3Client {
  // The SDK is pinned to a version that supports Node 20; its start-up notice is about later versions
  // and would otherwise open every process's log.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: cfg.endpoint,
    region: cfg.region,
    forcePathStyle: cfg.forcePathStyle,
    credentials:
      cfg.accessKeyId && cfg.secretAccessKey ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } : undefined,
    // The SDK's default (WHEN_SUPPORTED) sends streamed bodies with aws-chunked framing plus a trailing
    // checksum; servers that do not decode it (s3rver) store the framing as data: silent corruption.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface ObjectInfo {
  size: number;
  etag: string;
}

export interface StoredObject extends ObjectInfo {
  /** SHA-256 (hex) of the bytes stored. */
  sha256: string;
}

export interface PutStreamOptions {
  contentType: string;
  /** More bytes than this abort the upload with PAYLOAD_TOO_LARGE and leave nothing stored. */
  maxBytes?: number;
}

export interface OpenMeteredOptions {
  /** More bytes than this fail the stream with PAYLOAD_TOO_LARGE. */
  maxBytes: number;
  /** Hash the bytes (SHA-256) as they pass; false when the caller already knows the content's hash. */
  hash: boolean;
}

/** An object being read: counted, limited and hashed on its way to the reader. */
export interface MeteredObject extends ObjectInfo {
  /** The bytes; a failed read from S3 surfaces here as STORAGE_UNAVAILABLE. */
  body: Readable;
  /** performance.now() when the object was requested (a job's wall time starts there). */
  openedAt: number;
  /** From the request to the last byte read, or to now while (or if) the reader has not read them all. */
  elapsedMs(): number;
  /** SHA-256 of the whole object: undefined unless hashing and every byte was read (a decoder may stop early). */
  sha256(): string | undefined;
  /** Releases the response; call once the reader is done, whether or not it read to the end. */
  close(): void;
}

/** S3's smallest part (all parts but the last). */
const PART_BYTES = 5 * 1024 * 1024;

/**
 * An object written piece by piece whose first bytes are replaced at the end (a WAV or FLAC header that
 * states the final length). The first part is held in memory until `close`, so the header can be put
 * back into it; later parts are uploaded as they fill. Memory: about two parts per open object.
 */
export interface PatchableUpload {
  write(bytes: Uint8Array): Promise<void>;
  /** Puts `header` over the first bytes, completes the object, returns its size. */
  close(header: Uint8Array): Promise<number>;
  /** Abandons the upload; nothing is stored under the key. */
  abort(): Promise<void>;
}

class S3PatchableUpload implements PatchableUpload {
  private first: Buffer[] = [];
  private firstBytes = 0;
  private current: Buffer[] = [];
  private currentBytes = 0;
  private uploadId?: string;
  private readonly parts: { PartNumber: number; ETag?: string }[] = [];
  private bytes = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly contentType: string,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.bytes += bytes.length;
    const chunk = Buffer.from(bytes);
    if (this.firstBytes < PART_BYTES) {
      this.first.push(chunk);
      this.firstBytes += chunk.length;
      return;
    }
    this.current.push(chunk);
    this.currentBytes += chunk.length;
    if (this.currentBytes >= PART_BYTES) await this.uploadCurrent();
  }

  async close(header: Uint8Array): Promise<number> {
    const first = Buffer.concat(this.first);
    first.set(header.subarray(0, first.length), 0);
    try {
      if (this.uploadId === undefined && this.currentBytes === 0) {
        await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: first, ContentType: this.contentType }));
        return this.bytes;
      }
      if (this.currentBytes > 0) await this.uploadCurrent();
      await this.uploadPart(1, first);
      this.parts.sort((a, b) => a.PartNumber - b.PartNumber);
      await this.s3.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }));
      return this.bytes;
    } catch (err) {
      await this.abort();
      throw toStorageError(err, `s3://${this.bucket}/${this.key}`);
    }
  }

  async abort(): Promise<void> {
    this.first = [];
    this.current = [];
    if (this.uploadId === undefined) return;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId })).catch(() => undefined);
  }

  private async uploadCurrent(): Promise<void> {
    const body = Buffer.concat(this.current);
    this.current = [];
    this.currentBytes = 0;
    try {
      if (this.uploadId === undefined) {
        const out = await this.s3.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: this.contentType }));
        this.uploadId = out.UploadId;
      }
      await this.uploadPart(this.parts.length + 2, body); // part 1 is the held first part
    } catch (err) {
      await this.abort();
      throw toStorageError(err, `s3://${this.bucket}/${this.key}`);
    }
  }

  private async uploadPart(partNumber: number, body: Buffer): Promise<void> {
    const out = await this.s3.send(new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber: partNumber, Body: body }));
    this.parts.push({ PartNumber: partNumber, ETag: out.ETag });
  }
}

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);

/** S3 "not found" → INPUT_NOT_FOUND; everything else from S3 or the network → STORAGE_UNAVAILABLE (retryable). */
function toStorageError(err: unknown, what: string): VadError {
  if (err instanceof VadError) return err;
  const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
  const name = err instanceof Error ? err.name : '';
  if (NOT_FOUND_NAMES.has(name) || status === 404) return new VadError('INPUT_NOT_FOUND', `${what} does not exist.`, { cause: err });
  const detail = status ? `S3 answered ${status} ${name}` : `S3 unreachable (${name || 'error'})`;
  return new VadError('STORAGE_UNAVAILABLE', `Object store unavailable for ${what}: ${detail}.`, { cause: err });
}

/** The one place that speaks S3: objects in, objects out, errors as VadError codes. */
export class ObjectStore {
  constructor(readonly s3: S3Client) {}

  /**
   * Streams `body` into the object holding at most one 5-MiB part of it (multipart above that). On any failure,
   * including the size limit, the partial upload is aborted and the object removed.
   */
  async putStream(bucket: string, key: string, body: Readable, opts: PutStreamOptions): Promise<StoredObject> {
    const limit = new ByteMeter(opts.maxBytes ?? Number.MAX_SAFE_INTEGER);
    let sourceError: unknown;
    body.once('error', (err) => {
      sourceError = err;
      limit.destroy(err);
    });
    limit.once('error', (err) => {
      sourceError ??= err;
    });
    body.pipe(limit);
    try {
      const out = await uploadStream(this.s3, { Bucket: bucket, Key: key, ContentType: opts.contentType }, limit);
      if (sourceError) throw sourceError;
      return { size: limit.bytes, etag: out.etag, sha256: limit.sha256() };
    } catch (err) {
      body.unpipe(limit);
      body.resume(); // drain the rest so the request can finish and the 413 reaches the client
      await this.delete(bucket, key).catch(() => undefined);
      throw toStorageError(sourceError ?? err, `s3://${bucket}/${key}`);
    }
  }

  /** Reads an object as a stream through a ByteMeter, the mirror of putStream. */
  async openMetered(bucket: string, key: string, opts: OpenMeteredOptions): Promise<MeteredObject> {
    const started = performance.now();
    const { body, size, etag } = await this.getStream(bucket, key);
    const meter = new ByteMeter(opts.maxBytes, 'The input', { hash: opts.hash });
    let endedAt: number | undefined;
    meter.once('end', () => (endedAt = performance.now()));
    body.once('error', (err) => meter.destroy(new VadError('STORAGE_UNAVAILABLE', `Reading s3://${bucket}/${key} failed: ${err.message}`, { cause: err })));
    return {
      body: body.pipe(meter),
      size,
      etag,
      openedAt: started,
      elapsedMs: () => (endedAt ?? performance.now()) - started,
      sha256: () => (opts.hash && meter.bytes === size && meter.writableFinished ? meter.sha256() : undefined),
      close: () => body.destroy(),
    };
}

  /** An object written in order whose first bytes are patched at the end (speech export's tracks and clips). */
  createPatchableUpload(bucket: string, key: string, contentType: string): PatchableUpload {
    return new S3PatchableUpload(this.s3, bucket, key, contentType);
  }

  async putBytes(bucket: string, key: string, body: Uint8Array, contentType: string): Promise<ObjectInfo> {
    try {
      const out = await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
      return { size: body.length, etag: out.ETag ?? '' };
    } catch (err) {
      throw toStorageError(err, `s3://${bucket}/${key}`);
    }
  }

  async getBytes(bucket: string, key: string): Promise<Buffer> {
    const { body } = await this.getStream(bucket, key);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of body) chunks.push(chunk as Buffer);
    } catch (err) {
      throw toStorageError(err, `s3://${bucket}/${key}`);
    }
    return Buffer.concat(chunks);
  }

  /** Copies an object inside the store (no bytes pass through this process); a missing source is INPUT_NOT_FOUND. */
  async copy(from: { bucket: string; key: string }, to: { bucket: string; key: string }): Promise<void> {
    try {
      await this.s3.send(new CopyObjectCommand({ CopySource: `${from.bucket}/${encodeURIComponent(from.key).replace(/%2F/g, '/')}`, Bucket: to.bucket, Key: to.key }));
    } catch (err) {
      throw toStorageError(err, `s3://${from.bucket}/${from.key}`);
    }
  }

  async putJson(bucket: string, key: string, value: unknown): Promise<ObjectInfo> {
    return this.putBytes(bucket, key, Buffer.from(JSON.stringify(value)), 'application/json');
  }

  async getJson(bucket: string, key: string): Promise<unknown> {
    return JSON.parse((await this.getBytes(bucket, key)).toString('utf8'));
  }

  async getStream(bucket: string, key: string): Promise<ObjectInfo & { body: Readable }> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { body: out.Body as Readable, size: out.ContentLength ?? 0, etag: out.ETag ?? '' };
    } catch (err) {
      throw toStorageError(err, `s3://${bucket}/${key}`);
    }
  }

  /** Bytes `start`..`end` inclusive (HTTP Range semantics). */
  async getRange(bucket: string, key: string, start: number, end: number): Promise<Buffer> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      throw toStorageError(err, `s3://${bucket}/${key}`);
    }
  }

  /** Size and ETag, or null when the object does not exist. */
  async head(bucket: string, key: string): Promise<ObjectInfo | null> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0, etag: out.ETag ?? '' };
    } catch (err) {
      const e = toStorageError(err, `s3://${bucket}/${key}`);
      if (e.code === 'INPUT_NOT_FOUND') return null;
      throw e;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (err) {
      throw toStorageError(err, `s3://${bucket}/${key}`);
    }
  }

  /** Creates the bucket unless it exists (safe to call from several processes at once). */
  async ensureBucket(name: string): Promise<void> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: name }));
      return;
    } catch (err) {
      const e = toStorageError(err, `bucket ${name}`);
      if (e.code !== 'INPUT_NOT_FOUND') throw e;
    }
    try {
      await this.s3.send(new CreateBucketCommand({ Bucket: name }));
    } catch (err) {
      const errName = err instanceof Error ? err.name : '';
      if (errName !== 'BucketAlreadyOwnedByYou' && errName !== 'BucketAlreadyExists') throw toStorageError(err, `bucket ${name}`);
    }
  }

  /** Checks that S3 answers: HeadBucket on `bucket` when given (least privilege), else ListBuckets. */
  async ping(bucket?: string): Promise<void> {
    try {
      if (bucket) await this.s3.send(new HeadBucketCommand({ Bucket: bucket }));
      else await this.s3.send(new ListBucketsCommand({}));
    } catch (err) {
      throw toStorageError(err, bucket ? `bucket ${bucket}` : 'ListBuckets');
    }
  }
}
