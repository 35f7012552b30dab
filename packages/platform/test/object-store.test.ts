import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '@vadfleet/testkit/global-setup';
import { randomBucket } from '@vadfleet/testkit/names';
import { createS3Client, ObjectStore } from '../src/object-store.js';
import { s3rverClientConfig } from '@vadfleet/testkit/s3-server';

/** Emits `bytes` in uneven chunks, like a network stream. */
function chunked(bytes: Buffer, chunkSize = 64 * 1024 + 7): Readable {
  let at = 0;
  return new Readable({
    read() {
      this.push(at < bytes.length ? bytes.subarray(at, (at += chunkSize)) : null);
    },
  });
}

describe('ObjectStore against s3rver', () => {
  const s3 = createS3Client(s3rverClientConfig(inject('s3Endpoint')));
  const store = new ObjectStore(s3);
  const bucket = randomBucket('objstore');

  beforeAll(async () => {
    await store.ensureBucket(bucket);
    await store.ensureBucket(bucket); // idempotent
  });
  afterAll(() => s3.destroy());

  it('round-trips a streamed single-part upload byte for byte', async () => {
    const bytes = randomBytes(300_001);
    const info = await store.putStream(bucket, 'small.bin', chunked(bytes), { contentType: 'application/octet-stream' });
    expect(info.size).toBe(bytes.length);
    const got = await store.getStream(bucket, 'small.bin');
    const chunks: Buffer[] = [];
    for await (const c of got.body) chunks.push(c as Buffer);
    expect(Buffer.compare(Buffer.concat(chunks), bytes)).toBe(0);
    expect(got.size).toBe(bytes.length);
  });

  it('round-trips a multipart upload (> 5 MiB) byte for byte', async () => {
    const bytes = randomBytes(11 * 1024 * 1024 + 3);
    await store.putStream(bucket, 'big.bin', chunked(bytes), { contentType: 'application/octet-stream' });
    const head = await store.head(bucket, 'big.bin');
    expect(head?.size).toBe(bytes.length);
    const got = await store.getStream(bucket, 'big.bin');
    const chunks: Buffer[] = [];
    for await (const c of got.body) chunks.push(c as Buffer);
    expect(Buffer.compare(Buffer.concat(chunks), bytes)).toBe(0);
    expect(Buffer.compare(await store.getRange(bucket, 'big.bin', 5, 1004), bytes.subarray(5, 1005))).toBe(0);
  });

  it('holds at most one 5-MiB part of an upload: the source waits while a part is in flight', async () => {
    const PART = 5 * 1024 * 1024;
    const bytes = randomBytes(3 * PART + 12_345);
    // Bytes S3 has acknowledged (UploadPart answered) against bytes taken from the source.
    let acknowledged = 0;
    let pulled = 0;
    let mostHeld = 0;
    const client = createS3Client(s3rverClientConfig(inject('s3Endpoint')));
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'UploadPartCommand') acknowledged += ((args.input as { Body: Buffer }).Body).length;
        return out;
      },
      { step: 'initialize' },
    );
    let at = 0;
    const source = new Readable({
      read() {
        const chunk = at < bytes.length ? bytes.subarray(at, (at += 64 * 1024)) : null;
        if (chunk) pulled += chunk.length;
        mostHeld = Math.max(mostHeld, pulled - acknowledged);
        this.push(chunk);
      },
    });
    try {
      await new ObjectStore(client).putStream(bucket, 'bounded.bin', source, { contentType: 'application/octet-stream' });
    } finally {
      client.destroy();
    }
    expect(acknowledged).toBe(bytes.length);
    // One part plus what the stream pipeline buffers (a few 64-KiB chunks); lib-storage's Upload held three parts.
    expect(mostHeld).toBeLessThanOrEqual(PART + 1024 * 1024);
    const got = await store.getStream(bucket, 'bounded.bin');
    const chunks: Buffer[] = [];
    for await (const c of got.body) chunks.push(c as Buffer);
    expect(Buffer.compare(Buffer.concat(chunks), bytes)).toBe(0);
  });

  it('stores an empty upload and one of exactly one part', async () => {
    await store.putStream(bucket, 'empty.bin', chunked(Buffer.alloc(0)), { contentType: 'application/octet-stream' });
    expect(await store.head(bucket, 'empty.bin')).toMatchObject({ size: 0 });
    const exact = randomBytes(5 * 1024 * 1024);
    await store.putStream(bucket, 'exact.bin', chunked(exact), { contentType: 'application/octet-stream' });
    expect(Buffer.compare(await store.getBytes(bucket, 'exact.bin'), exact)).toBe(0);
  });

  it('aborts a multipart upload whose source fails after the first part, leaving no object', async () => {
    let at = 0;
    const source = new Readable({
      read() {
        if (at >= 6 * 1024 * 1024) return this.destroy(new Error('client went away'));
        this.push(randomBytes(64 * 1024));
        at += 64 * 1024;
      },
    });
    await expect(store.putStream(bucket, 'failed.bin', source, { contentType: 'x/y' })).rejects.toThrow();
    expect(await store.head(bucket, 'failed.bin')).toBeNull();
  });

  it('a patchable upload stores the bytes with its first bytes replaced, in one part or several', async () => {
    for (const [key, size] of [['patch-small.bin', 1000], ['patch-big.bin', 12 * 1024 * 1024 + 5]] as const) {
      const bytes = randomBytes(size);
      const upload = store.createPatchableUpload(bucket, key, 'audio/wav');
      for (let at = 0; at < size; at += 300_007) await upload.write(bytes.subarray(at, at + 300_007));
      const header = Buffer.from('HEADER-PATCHED');
      expect(await upload.close(header)).toBe(size);
      const expected = Buffer.from(bytes);
      header.copy(expected, 0);
      expect(Buffer.compare(await store.getBytes(bucket, key), expected)).toBe(0);
    }
  });

  it('an aborted patchable upload stores nothing', async () => {
    const upload = store.createPatchableUpload(bucket, 'patch-aborted.bin', 'audio/wav');
    for (let i = 0; i < 3; i++) await upload.write(randomBytes(3 * 1024 * 1024));
    await upload.abort();
    expect(await store.head(bucket, 'patch-aborted.bin')).toBeNull();
  });

  it('refuses an upload over maxBytes and stores nothing', async () => {
    const bytes = randomBytes(200_000);
    await expect(store.putStream(bucket, 'over.bin', chunked(bytes, 10_000), { contentType: 'x/y', maxBytes: 100_000 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(await store.head(bucket, 'over.bin')).toBeNull();
  });

  it('copies an object byte for byte inside the store, and a missing source is INPUT_NOT_FOUND', async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff));
    await store.putBytes(bucket, 'copy/from probs.bin', bytes, 'application/octet-stream');
    await store.copy({ bucket, key: 'copy/from probs.bin' }, { bucket, key: 'copy/to.bin' });
    expect(Buffer.compare(await store.getBytes(bucket, 'copy/to.bin'), bytes)).toBe(0);
    await expect(store.copy({ bucket, key: 'copy/missing' }, { bucket, key: 'copy/x' })).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
  });

  it('stores and reads JSON', async () => {
    await store.putJson(bucket, 'a/b.json', { x: [1, 2], y: 'é' });
    expect(await store.getJson(bucket, 'a/b.json')).toEqual({ x: [1, 2], y: 'é' });
  });

  it('maps a missing object to INPUT_NOT_FOUND and a missing one to null in head', async () => {
    await expect(store.getStream(bucket, 'nope')).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
    await expect(store.getJson(bucket, 'nope')).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
    expect(await store.head(bucket, 'nope')).toBeNull();
  });

  it('answers ping, and maps an unreachable endpoint to STORAGE_UNAVAILABLE', async () => {
    await store.ping();
    await store.ping(bucket);
    const dead = createS3Client({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 'b', forcePathStyle: true });
    await expect(new ObjectStore(dead).ping()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    dead.destroy();
  });
});
