import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createS3Client } from '@vadfleet/platform/object-store';
import { startHeartbeat } from '@vadfleet/platform/redis-heartbeat';
import type {} from '@vadfleet/testkit/global-setup';
import { randomBucket } from '@vadfleet/testkit/names';
import { s3rverClientConfig } from '@vadfleet/testkit/s3-server';
import { auth, startHarness, type Harness } from './harness.js';

describe('health, readiness, metrics and error shape', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('/healthz answers while the process is up', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 503 naming the missing worker, then 200 once a worker heartbeat exists', async () => {
    const before = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(before.statusCode).toBe(503);
    expect(before.json()).toEqual({ status: 'not ready', checks: { redis: 'ok', s3: 'ok', workers: expect.stringContaining('no worker') } });
    const beat = await startHeartbeat(h.redis, h.config.QUEUE_PREFIX, 'w1', {});
    try {
      const after = await h.app.inject({ method: 'GET', url: '/readyz' });
      expect(after.statusCode).toBe(200);
      expect(after.json()).toEqual({ status: 'ready', checks: { redis: 'ok', s3: 'ok', workers: 'ok' } });
    } finally {
      await beat.stop();
    }
  });

  it('/readyz names a failing check without its internals (hosts, buckets)', async () => {
    const bucket = randomBucket('gone');
    const other = await startHarness({ UPLOAD_BUCKET: bucket });
    const s3 = createS3Client(s3rverClientConfig(inject('s3Endpoint')));
    try {
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      const res = await other.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.s3).toBe('unavailable');
      expect(res.body).not.toContain(bucket);
    } finally {
      s3.destroy();
      await other.close();
    }
  });

  it('/metrics exports the request histogram labelled by route template', async () => {
    await h.app.inject({ method: 'GET', url: '/v1/jobs/abcdefghijklmnopqrstuv', headers: auth() });
    await h.app.inject({ method: 'GET', url: '/nowhere' });
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('vadfleet_http_request_duration_seconds_count{route="/v1/jobs/:id",method="GET",status_class="4xx"} 1');
    expect(text).toContain('route="unmatched"');
    expect(text).not.toContain('abcdefghijklmnopqrstuv');
  });

  it('unknown routes and bad content types use the error shape', async () => {
    const missing = await h.app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    const xml = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(xml.statusCode).toBe(400);
    expect(xml.json().error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('Content-Type') });
    const empty = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: auth() });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('BAD_REQUEST');
  });
});
