import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { randomBucket } from './names.js';
import { startS3Server, type S3Server } from './s3-server.js';

let s3: S3Server;
let proxy: FaultProxy;
beforeAll(async () => {
  s3 = await startS3Server();
  proxy = await startFaultProxy({ target: s3.endpoint, failureRate: 0.3, seed: 7 });
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
});

test('objects round-trip byte for byte through the fault proxy; the SDK retries injected 503s', async () => {
  const client = new S3Client({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    maxAttempts: 10,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const bucket = randomBucket();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
  for (let i = 0; i < 10; i++) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body: body }));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `k${i}` }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.from(body))).toBe(true);
  }
  expect(proxy.stats.failed).toBeGreaterThan(0);
  client.destroy();
});
