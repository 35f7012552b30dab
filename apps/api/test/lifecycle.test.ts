import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJobError, resultKey, type DetectJobData, type DetectJobResult } from '@vadfleet/shared/queue';
import { auth, multipartBody, startHarness, type Harness } from './harness.js';

/**
 * The API's side of a job's life, with a stand-in processor following the queue contract (the real
 * worker's end-to-end tests live in apps/worker).
 */
describe('job lifecycle as seen through the API', () => {
  let h: Harness;
  let worker: Worker<DetectJobData, DetectJobResult>;
  beforeAll(async () => {
    h = await startHarness();
    worker = new Worker<DetectJobData, DetectJobResult>(
      h.queue.name,
      async (job) => {
        const params = job.data.params;
        if (params.preset === 'noisy') throw new UnrecoverableError(encodeJobError({ code: 'INVALID_AUDIO', message: 'The WAV header is inconsistent.' }));
        await job.updateProgress({ audioMsDone: 1000, audioMsTotal: 1000 });
        const result = { bucket: job.data.output.bucket, key: resultKey(job.data.output.prefix, job.data.tenant, job.id!) };
        await h.objectStore.putJson(result.bucket, result.key, {
          jobId: job.id,
          input: { bucket: job.data.input.bucket, key: job.data.input.key },
          cached: false,
          durationMs: 1000,
          sampleRate: 16000,
          channels: [{ channel: 0, segments: [[100, 900]] }],
          params,
          model: { name: 'fsmn-vad', sha256: 'ab'.repeat(32) },
          version: '0.1.0',
          timings: { decodeMs: 1 },
        });
        return { result, cached: false, durationMs: 1000, channels: 1, timings: { decodeMs: 1 } };
      },
      { connection: h.redis.duplicate(), prefix: h.config.QUEUE_PREFIX },
    );
  });
  afterAll(async () => {
    await worker.close();
    await h.close();
  });

  const submit = async (params: unknown) => {
    const upload = multipartBody(randomBytes(64), params);
    const res = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), ...upload.headers }, payload: upload.payload });
    expect(res.statusCode).toBe(202);
    return res.json().id as string;
  };
  const view = async (id: string) => (await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth() })).json();

  it('completed: status with timings and result location, then the result JSON', async () => {
    const id = await submit({ preset: 'meeting' });
    await expect.poll(async () => (await view(id)).status, { timeout: 10_000 }).toBe('completed');
    const job = await view(id);
    expect(job).toMatchObject({
      status: 'completed',
      filename: 'audio.wav',
      progress: { audioMsDone: 1000, audioMsTotal: 1000 },
      result: { bucket: h.config.RESULTS_BUCKET, key: `results/tenant-a/${id}.json` },
      cached: false,
      timings: { decodeMs: 1 },
      attempts: 1,
    });
    expect(Date.parse(job.finishedAt)).toBeGreaterThanOrEqual(Date.parse(job.createdAt));
    const result = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result`, headers: auth() });
    expect(result.statusCode).toBe(200);
    expect(result.json()).toMatchObject({ jobId: id, cached: false, model: { name: 'fsmn-vad' }, params: { preset: 'meeting' }, channels: [{ segments: [[100, 900]] }] });
    const cancel = await h.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth() });
    expect(cancel.statusCode).toBe(409);
  });

  it('failed: the error code and message from the worker; the result is 410 with that error', async () => {
    const id = await submit({ preset: 'noisy' });
    await expect.poll(async () => (await view(id)).status, { timeout: 10_000 }).toBe('failed');
    expect((await view(id)).error).toEqual({ code: 'INVALID_AUDIO', message: 'The WAV header is inconsistent.' });
    const result = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result`, headers: auth() });
    expect(result.statusCode).toBe(410);
    expect(result.json().error).toEqual({ code: 'INVALID_AUDIO', message: `Job ${id} failed: The WAV header is inconsistent.` });
  });
});
