import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, KEY_B, multipartBody, startHarness, type Harness } from './harness.js';

describe('GET /v1/jobs', () => {
  let h: Harness;
  const ids: string[] = [];
  beforeAll(async () => {
    h = await startHarness();
    for (let i = 0; i < 7; i++) {
      const upload = multipartBody(randomBytes(10));
      const res = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), ...upload.headers }, payload: upload.payload });
      ids.push(res.json().id);
    }
    const other = multipartBody(randomBytes(10));
    await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(KEY_B), ...other.headers }, payload: other.payload });
  });
  afterAll(() => h.close());

  it("pages through the caller's jobs newest first, each exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/jobs?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await h.app.inject({ method: 'GET', url, headers: auth() });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      seen.push(...body.items.map((j: { id: string }) => j.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    // Newest first; jobs accepted in the same millisecond keep a stable (reverse id) order, so compare
    // against the index order rather than submission order.
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen).toHaveLength(ids.length);
    const created = await Promise.all(seen.map(async (id) => (await h.queue.getJob(id))!.data.acceptedAt));
    expect([...created].sort((a, b) => b - a)).toEqual(created);
  });

  it('rejects a forged cursor and an out-of-range limit', async () => {
    const cursor = await h.app.inject({ method: 'GET', url: '/v1/jobs?cursor=garbage', headers: auth() });
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().error.code).toBe('BAD_REQUEST');
    const limit = await h.app.inject({ method: 'GET', url: '/v1/jobs?limit=1000', headers: auth() });
    expect(limit.statusCode).toBe(400);
    expect(limit.json().error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('querystring.limit') });
  });
});

describe('rate limit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => h.close());

  it('429 RATE_LIMITED with Retry-After once a key spends its budget; other keys are unaffected', async () => {
    for (let i = 0; i < 3; i++) expect((await h.app.inject({ method: 'GET', url: '/v1/jobs', headers: auth() })).statusCode).toBe(200);
    const limited = await h.app.inject({ method: 'GET', url: '/v1/jobs', headers: auth() });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await h.app.inject({ method: 'GET', url: '/v1/jobs', headers: auth(KEY_B) })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
