import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJobError, resultKey, type DetectJobData, type DetectJobResult } from '@vadfleet/shared/queue';
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

describe('GET /v1/jobs with jobs in every state', () => {
  type Behaviour = 'complete' | 'fail' | 'retry' | 'hold';
  let h: Harness;
  let worker: Worker<DetectJobData, DetectJobResult>;
  const behaviours = new Map<string, Behaviour>();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  beforeAll(async () => {
    h = await startHarness();
    // One job at a time, each doing what the test assigned to its id.
    worker = new Worker<DetectJobData, DetectJobResult>(
      h.queue.name,
      async (job) => {
        while (!behaviours.has(job.id!)) await sleep(10);
        const behaviour = behaviours.get(job.id!);
        if (behaviour === 'fail') throw new UnrecoverableError(encodeJobError({ code: 'INVALID_AUDIO', message: 'bad' }));
        if (behaviour === 'retry') throw new Error(encodeJobError({ code: 'STORAGE_UNAVAILABLE', message: 'S3 blinked' }));
        if (behaviour === 'hold') await held;
        const result = { bucket: job.data.output.bucket, key: resultKey(job.data.output.prefix, job.data.tenant, job.id!) };
        return { result, cached: false, durationMs: 1000, channels: 1, timings: { decodeMs: 1 } };
      },
      { connection: h.redis.duplicate(), prefix: h.config.QUEUE_PREFIX, concurrency: 1 },
    );
  });
  afterAll(async () => {
    release();
    await worker.close();
    await h.close();
  });

  const submit = async (behaviour: Behaviour | null) => {
    const upload = multipartBody(randomBytes(10));
    const id: string = (await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), ...upload.headers }, payload: upload.payload })).json().id;
    if (behaviour) behaviours.set(id, behaviour);
    return id;
  };
  const view = async (id: string) => (await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth() })).json();

  it('lists each job with the status BullMQ gives it, as GET /v1/jobs/:id does', async () => {
    const completed = await submit('complete');
    await expect.poll(async () => (await view(completed)).status, { timeout: 10_000 }).toBe('completed');
    const failed = await submit('fail');
    await expect.poll(async () => (await view(failed)).status, { timeout: 10_000 }).toBe('failed');
    // Started and failed once: waiting out its backoff, then stuck behind the held job.
    const retrying = await submit('retry');
    await expect.poll(async () => (await h.queue.getJob(retrying))?.attemptsMade, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const active = await submit('hold');
    await expect.poll(async () => (await view(active)).status, { timeout: 10_000 }).toBe('active');
    const waiting = await submit('complete');
    const cancelled = await submit(null);
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/jobs/${cancelled}`, headers: auth() })).statusCode).toBe(200);

    const listed = (await h.app.inject({ method: 'GET', url: '/v1/jobs?limit=10', headers: auth() })).json().items as { id: string; status: string }[];
    const status = Object.fromEntries(listed.map((job) => [job.id, job.status]));
    expect(status).toEqual({ [completed]: 'completed', [failed]: 'failed', [retrying]: 'queued', [active]: 'active', [waiting]: 'queued', [cancelled]: 'cancelled' });
    expect(await h.queue.getJob(retrying).then((job) => job?.getState())).toMatch(/delayed|waiting/);
    for (const job of listed) expect(job).toEqual(await view(job.id));
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
