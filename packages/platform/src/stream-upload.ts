import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** S3's smallest part (every part but the last must be at least this). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface StreamUploadTarget {
  Bucket: string;
  Key: string;
  ContentType: string;
}

/**
 * Streams `source` into one S3 object through a single part buffer that is reused: at most
 * `partBytes` of an upload sit in memory. (lib-storage's `Upload` holds queueSize + 1 parts plus the
 * copies its chunker makes: ~13 MB per concurrent upload at the 5 MiB minimum.) The source is not read
 * while a part is in flight, so a fast sender waits for S3 through TCP backpressure. A source shorter
 * than one part is a single PutObject; on failure a started multipart upload is aborted.
 */
export async function uploadStream(s3: S3Client, target: StreamUploadTarget, source: Readable, partBytes = MIN_PART_BYTES): Promise<{ etag: string }> {
  const { Bucket, Key } = target;
  // Not from the shared pool, and only the pages written become resident (a small upload stays small).
  const buffer = Buffer.allocUnsafeSlow(partBytes);
  let filled = 0;
  let uploadId: string | undefined;
  const parts: { PartNumber: number; ETag?: string }[] = [];
  const sendPart = async () => {
    uploadId ??= (await s3.send(new CreateMultipartUploadCommand(target))).UploadId;
    const PartNumber = parts.length + 1;
    const out = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId: uploadId, PartNumber, Body: buffer.subarray(0, filled) }));
    parts.push({ PartNumber, ETag: out.ETag });
    filled = 0;
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      for (let at = 0; at < chunk.length; ) {
        const copied = chunk.copy(buffer, filled, at);
        filled += copied;
        at += copied;
        if (filled === partBytes) await sendPart();
      }
    }
    if (uploadId === undefined) {
      const out = await s3.send(new PutObjectCommand({ ...target, Body: buffer.subarray(0, filled) }));
      return { etag: out.ETag ?? '' };
    }
    if (filled > 0) await sendPart();
    const out = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    return { etag: out.ETag ?? '' };
  } catch (err) {
    if (uploadId !== undefined) await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}
