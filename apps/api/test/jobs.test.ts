import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadKey } from '@vadfleet/shared/queue';
import { auth, KEY_B, multipartBody, startHarness, type Harness } from './harness.js';

describe('POST/GET/DELETE /v1/jobs on real Redis and s3rver', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ MAX_UPLOAD_BYTES: '100000' });
    await h.objectStore.s3.send(new PutObjectCommand({ Bucket: h.inputBucket, Key: 'talk.wav', Body: randomBytes(1000) }));
  });
  afterAll(() => h.close());

  const submitS3 = (body: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), ...headers }, payload: body as object });

  it('401 without a key or with a wrong one', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope-nope-nope-nope' }, { authorization: 'Basic abc' }]) {
      const res = await h.app.inject({ method: 'GET', url: '/v1/jobs', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    }
  });

  it('accepts an S3 input and shows it queued to its tenant only (404 for another tenant)', async () => {
    const res = await submitS3({ input: { s3: { bucket: h.inputBucket, key: 'talk.wav' } }, params: { preset: 'lecture' } });
    expect(res.statusCode).toBe(202);
    const { id, status, links } = res.json();
    expect(status).toBe('queued');
    expect(links).toEqual({ self: `/v1/jobs/${id}`, result: `/v1/jobs/${id}/result` });

    const view = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth() });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({ id, status: 'queued', progress: { audioMsDone: 0 }, attempts: 0 });

    const job = await h.queue.getJob(id);
    expect(job?.data).toMatchObject({
      tenant: 'tenant-a',
      input: { bucket: h.inputBucket, key: 'talk.wav', size: 1000 },
      params: { preset: 'lecture', maxEndSilenceMs: 1500 },
      output: { bucket: h.config.RESULTS_BUCKET, prefix: 'results' },
      source: 's3',
    });

    for (const url of [`/v1/jobs/${id}`, `/v1/jobs/${id}/result`]) {
      const other = await h.app.inject({ method: 'GET', url, headers: auth(KEY_B) });
      expect(other.statusCode).toBe(404);
      expect(other.json().error.code).toBe('NOT_FOUND');
    }
    const del = await h.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth(KEY_B) });
    expect(del.statusCode).toBe(404);

    const result = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result`, headers: auth() });
    expect(result.statusCode).toBe(409);
    expect(result.json().error.code).toBe('RESULT_NOT_READY');
  });

  it('400 BAD_REQUEST with a message for malformed JSON', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...auth(), 'content-type': 'application/json' },
      payload: '{"input": {"s3": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^Malformed JSON body: .+/) });
  });

  it('400 INVALID_PARAMS naming the field, for an unknown preset and an out-of-range value', async () => {
    const input = { s3: { bucket: h.inputBucket, key: 'talk.wav' } };
    const preset = await submitS3({ input, params: { preset: 'karaoke' } });
    expect(preset.statusCode).toBe(400);
    expect(preset.json().error).toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('params.preset') });

    const range = await submitS3({ input, params: { maxEndSilenceMs: 50 } });
    expect(range.statusCode).toBe(400);
    expect(range.json().error).toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('params.maxEndSilenceMs') });

    const unknown = await submitS3({ input, params: { threshold: 1 } });
    expect(unknown.json().error).toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('threshold') });

    const upload = multipartBody(randomBytes(100), { speechNoiseThres: 3 });
    const multipart = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), ...upload.headers }, payload: upload.payload });
    expect(multipart.statusCode).toBe(400);
    expect(multipart.json().error).toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('params.speechNoiseThres') });
  });

  it('one message for a parameter refused at every edge: JSON job, upload, re-score and batch', async () => {
    const bad = { model: 'fsmn', minSpeechMs: 250 }; // a field of another model
    const upload = multipartBody(randomBytes(100), bad);
    const responses = await Promise.all([
      submitS3({ input: { s3: { bucket: h.inputBucket, key: 'talk.wav' } }, params: bad }),
      h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), ...upload.headers }, payload: upload.payload }),
      h.app.inject({ method: 'POST', url: '/v1/jobs/AAAAAAAAAAAAAAAAAAAAAA/rescore', headers: auth(), payload: { params: bad } }),
      h.app.inject({ method: 'POST', url: '/v1/batches', headers: auth(), payload: { input: { s3: { bucket: h.inputBucket, prefix: '' } }, params: bad, dryRun: true } }),
    ]);
    for (const res of responses) {
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toEqual({ code: 'INVALID_PARAMS', message: 'Invalid params: unknown parameter "minSpeechMs".' });
    }
    const model = await submitS3({ input: { s3: { bucket: h.inputBucket, key: 'talk.wav' } }, params: { model: 'whisper' } });
    expect(model.json().error).toEqual({ code: 'INVALID_PARAMS', message: 'Invalid params.model: unknown model, expected "fsmn" or "silero".' });
  });

  it('403 BUCKET_NOT_ALLOWED for input or output outside the allowlist', async () => {
    const input = await submitS3({ input: { s3: { bucket: 'someone-elses', key: 'a.wav' } } });
    expect(input.statusCode).toBe(403);
    expect(input.json().error).toMatchObject({ code: 'BUCKET_NOT_ALLOWED', message: expect.stringContaining('someone-elses') });
    const output = await submitS3({ input: { s3: { bucket: h.inputBucket, key: 'talk.wav' } }, output: { s3: { bucket: 'elsewhere', prefix: 'x' } } });
    expect(output.statusCode).toBe(403);
    expect(output.json().error.code).toBe('BUCKET_NOT_ALLOWED');
  });

  it('output.speech: resolved into the job data; unknown values 400 INVALID_PARAMS naming them; an output bucket outside the allowlist 403', async () => {
    const input = { s3: { bucket: h.inputBucket, key: 'talk.wav' } };
    const res = await submitS3({ input, output: { speech: { layout: 'joined', gapMs: 200 } } });
    expect(res.statusCode).toBe(202);
    const job = await h.queue.getJob(res.json().id);
    expect(job?.data.output).toEqual({ bucket: h.config.RESULTS_BUCKET, prefix: 'results', speech: { layout: 'joined', format: 'wav', sampleRate: 16000, padMs: 0, gapMs: 200 } });
    for (const [speech, field] of [[{ layout: 'mp4' }, 'layout'], [{ format: 'mp3' }, 'format'], [{ sampleRate: 44100 }, 'sampleRate'], [{ padMs: -5 }, 'padMs'], [{ colour: 'red' }, 'colour']] as const) {
      const bad = await submitS3({ input, output: { speech } });
      expect(bad.statusCode, JSON.stringify(speech)).toBe(400);
      expect(bad.json().error).toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining(field === 'colour' ? 'output.speech' : `output.speech.${field}`) });
    }
    const elsewhere = await submitS3({ input, output: { s3: { bucket: 'elsewhere' }, speech: {} } });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json().error.code).toBe('BUCKET_NOT_ALLOWED');

    // An upload takes it in the multipart field `output`, before the file.
    const uploadWith = (output: string) => {
      const boundary = '----vadfleetspeech';
      const payload = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="output"\r\n\r\n${output}\r\n`),
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`),
        randomBytes(100),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    };
    const uploaded = await uploadWith('{"speech":{"format":"flac","sampleRate":"source","padMs":100}}');
    expect(uploaded.statusCode).toBe(202);
    expect((await h.queue.getJob(uploaded.json().id))?.data.output.speech).toEqual({ layout: 'clips', format: 'flac', sampleRate: 'source', padMs: 100, gapMs: 0 });
    const refused = await uploadWith('{"speech":{"layout":"tracks"}}');
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('output.speech.layout') });
    expect((await uploadWith('{"s3":{"bucket":"x"}}')).json().error.code).toBe('INVALID_PARAMS');
  });

  it("the upload bucket is an input only under the caller's own prefix; the results bucket an output only", async () => {
    const upload = multipartBody(randomBytes(1000));
    const uploaded = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), ...upload.headers }, payload: upload.payload });
    const key = uploadKey('tenant-a', uploaded.json().id);
    const uploads = h.config.UPLOAD_BUCKET;
    // Its own upload again, by key (say, with other parameters): allowed.
    expect((await submitS3({ input: { s3: { bucket: uploads, key } }, params: { preset: 'noisy' } })).statusCode).toBe(202);
    // Another tenant's upload, directly or through '..': refused before S3 is asked.
    const refused = [
      { input: { s3: { bucket: uploads, key } } },
      { input: { s3: { bucket: uploads, key: `tenant-b/../${key}` } } },
    ];
    const asB = await submitS3(refused[0], auth(KEY_B));
    expect(asB.statusCode).toBe(403);
    expect(asB.json().error).toMatchObject({ code: 'BUCKET_NOT_ALLOWED', message: expect.stringContaining('"tenant-b/"') });
    expect((await submitS3(refused[1], auth(KEY_B))).json().error.code).toBe('BUCKET_NOT_ALLOWED');
    expect((await submitS3({ input: { s3: { bucket: uploads, key: `tenant-a/./${key.slice('tenant-a/'.length)}` } } })).statusCode).toBe(403);
    // The results bucket holds every tenant's results: not an input; the upload bucket: not an output.
    const fromResults = await submitS3({ input: { s3: { bucket: h.config.RESULTS_BUCKET, key: `results/tenant-b/x.json` } } });
    expect(fromResults.json().error.code).toBe('BUCKET_NOT_ALLOWED');
    const intoUploads = await submitS3({ input: { s3: { bucket: h.inputBucket, key: 'talk.wav' } }, output: { s3: { bucket: uploads, prefix: 'tenant-b' } } });
    expect(intoUploads.json().error.code).toBe('BUCKET_NOT_ALLOWED');
  });

  it("a batch over the upload bucket lists only the caller's own uploads", async () => {
    const batch = (source: { prefix: string } | { keys: string[] }) =>
      h.app.inject({ method: 'POST', url: '/v1/batches', headers: auth(KEY_B), payload: { input: { s3: { bucket: h.config.UPLOAD_BUCKET, ...source } }, dryRun: true } });
    for (const source of [{ prefix: '' }, { prefix: 'tenant-a/' }, { prefix: 'tenant-b' }, { keys: ['tenant-b/1/audio', 'tenant-a/2/audio'] }]) {
      const res = await batch(source);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('BUCKET_NOT_ALLOWED');
    }
    expect((await batch({ prefix: 'tenant-b/' })).statusCode).toBe(200);
    expect((await batch({ keys: ['tenant-b/1/audio'] })).statusCode).toBe(200);
  });

  it('404 INPUT_NOT_FOUND for a missing S3 object', async () => {
    const res = await submitS3({ input: { s3: { bucket: h.inputBucket, key: 'missing.wav' } } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('INPUT_NOT_FOUND');
  });

  it('stores an upload byte for byte and enqueues it', async () => {
    const bytes = randomBytes(99_999);
    const upload = multipartBody(bytes, { preset: 'noisy' });
    const res = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), ...upload.headers }, payload: upload.payload });
    expect(res.statusCode).toBe(202);
    const { id } = res.json();
    const job = await h.queue.getJob(id);
    expect(job?.data).toMatchObject({
      source: 'upload',
      input: { bucket: h.config.UPLOAD_BUCKET, key: uploadKey('tenant-a', id), size: bytes.length },
      params: { preset: 'noisy' },
    });
    const stored = await h.objectStore.getStream(h.config.UPLOAD_BUCKET, uploadKey('tenant-a', id));
    const chunks: Buffer[] = [];
    for await (const c of stored.body) chunks.push(c as Buffer);
    expect(Buffer.compare(Buffer.concat(chunks), bytes)).toBe(0);
  });

  it('413 for an upload over MAX_UPLOAD_BYTES, by Content-Length or while streaming; nothing stored', async () => {
    const before = (await h.queue.getJobCounts()).waiting;
    // Over the limit by one byte: passes the Content-Length allowance, refused while streaming.
    const justOver = multipartBody(randomBytes(100_001));
    const streamed = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), ...justOver.headers }, payload: justOver.payload });
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json().error.code).toBe('PAYLOAD_TOO_LARGE');

    const farOver = multipartBody(randomBytes(300_000));
    const declared = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), ...farOver.headers }, payload: farOver.payload });
    expect(declared.statusCode).toBe(413);
    expect(declared.json().error.code).toBe('PAYLOAD_TOO_LARGE');

    expect((await h.queue.getJobCounts()).waiting).toBe(before);
    const listed = await h.objectStore.s3.send(new (await import('@aws-sdk/client-s3')).ListObjectsV2Command({ Bucket: h.config.UPLOAD_BUCKET }));
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    const jobIds = new Set((await h.queue.getJobs(['waiting'])).map((j) => j.id));
    // Every stored upload belongs to an enqueued job: the refused ones left nothing behind.
    for (const key of keys) expect(jobIds.has(key!.split('/')[1])).toBe(true);
  });

  it('idempotency: the same key twice gives the same job and one BullMQ job; a different body is 409', async () => {
    const body = { input: { s3: { bucket: h.inputBucket, key: 'talk.wav' } } };
    const headers = { 'idempotency-key': 'order-42' };
    const before = (await h.queue.getJobCounts()).waiting;
    const first = await submitS3(body, headers);
    const second = await submitS3(body, headers);
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.json().id).toBe(first.json().id);
    expect((await h.queue.getJobCounts()).waiting).toBe(before + 1);

    const otherTenant = await submitS3(body, { ...headers, ...auth(KEY_B) });
    expect(otherTenant.json().id).not.toBe(first.json().id); // keys are per tenant

    const conflict = await submitS3({ ...body, params: { preset: 'lecture' } }, headers);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('CONFLICT');
  });

  it('cancels a queued job: removed from the queue, status cancelled; a second cancel is 409', async () => {
    const upload = multipartBody(randomBytes(500));
    const { id } = (await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth(), ...upload.headers }, payload: upload.payload })).json();
    const del = await h.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth() });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toMatchObject({ id, status: 'cancelled', error: { code: 'JOB_CANCELLED' } });
    expect(await h.queue.getJob(id)).toBeUndefined();
    expect(await h.objectStore.head(h.config.UPLOAD_BUCKET, uploadKey('tenant-a', id))).toBeNull();
    const view = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth() });
    expect(view.json().status).toBe('cancelled');
    const again = await h.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth() });
    expect(again.statusCode).toBe(409);
  });

  it('cancels an active job by signal (flag + message) and answers 202', async () => {
    const { id } = (await submitS3({ input: { s3: { bucket: h.inputBucket, key: 'talk.wav' } } })).json();
    // Take the job as a worker would, without processing it.
    const { Worker } = await import('bullmq');
    const worker = new Worker(h.queue.name, null, { connection: h.redis.duplicate(), prefix: h.config.QUEUE_PREFIX, autorun: false });
    const sub = h.redis.duplicate();
    const messages: string[] = [];
    sub.on('message', (_ch, msg) => messages.push(msg));
    await sub.subscribe(`${h.config.QUEUE_PREFIX}:cancel`);
    try {
      let taken = await worker.getNextJob('token-1');
      while (taken && taken.id !== id) taken = await worker.getNextJob('token-1');
      expect(taken?.id).toBe(id);
      const del = await h.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth() });
      expect(del.statusCode).toBe(202);
      expect(del.json().status).toBe('active');
      expect(await h.redis.exists(`${h.config.QUEUE_PREFIX}:cancel:${id}`)).toBe(1);
      await expect.poll(() => messages).toContain(id);
    } finally {
      await sub.quit();
      await worker.close(true);
    }
  });
});
