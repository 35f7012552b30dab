import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '@vadfleet/testkit/global-setup';
import { randomBucket, randomPrefix } from '@vadfleet/testkit/names';
import { s3rverAppEnv, s3rverClientConfig } from '@vadfleet/testkit/s3-server';
import { spawnApp, type AppProcess } from '@vadfleet/testkit/spawn-app';
import { uploadKey } from '@vadfleet/shared/queue';
import { createS3Client, ObjectStore } from '@vadfleet/platform/object-store';
import { createRedis } from '@vadfleet/platform/queue';

const KEY = 'socket-key-0123456789';
const MAX = 8 * 1024 * 1024;

/** POSTs a multipart upload with chunked transfer encoding (no Content-Length), like a streaming client. */
function postChunked(url: string, file: Buffer): Promise<{ status: number; body: any }> {
  const boundary = 'socketboundary';
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`);
    for (let at = 0; at < file.length; at += 256 * 1024) req.write(file.subarray(at, at + 256 * 1024));
    req.end(`\r\n--${boundary}--\r\n`);
  });
}

describe('uploads over a real socket', () => {
  let app: AppProcess;
  const uploads = randomBucket('up');
  const prefix = randomPrefix('sock');
  const s3 = createS3Client(s3rverClientConfig(inject('s3Endpoint')));
  const store = new ObjectStore(s3);

  beforeAll(async () => {
    app = await spawnApp('api', {
      PORT: '0',
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      ...s3rverAppEnv(inject('s3Endpoint')),
      UPLOAD_BUCKET: uploads,
      RESULTS_BUCKET: randomBucket('res'),
      API_KEYS: `${KEY}:sock`,
      MAX_UPLOAD_BYTES: String(MAX),
    });
  });
  afterAll(async () => {
    app.kill('SIGTERM');
    await app.exited;
    s3.destroy();
    const redis = createRedis(inject('redisUrl'));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('streams a multi-part-sized upload (> 5 MiB) into S3 byte for byte', async () => {
    const bytes = randomBytes(6 * 1024 * 1024 + 17);
    const res = await postChunked(app.url, bytes);
    expect(res.status).toBe(202);
    const got = await store.getStream(uploads, uploadKey('sock', res.body.id));
    const chunks: Buffer[] = [];
    for await (const c of got.body) chunks.push(c as Buffer);
    expect(Buffer.compare(Buffer.concat(chunks), bytes)).toBe(0);
  });

  it('refuses a chunked upload that passes MAX_UPLOAD_BYTES mid-stream with 413 and stores nothing', async () => {
    const res = await postChunked(app.url, randomBytes(MAX + 1024 * 1024));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: uploads }));
    expect(listed.Contents ?? []).toHaveLength(1); // only the first test's upload
  });
});
