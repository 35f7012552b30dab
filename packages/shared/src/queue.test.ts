import { describe, expect, it } from 'vitest';
import { BATCH_EXPAND_QUEUE_NAME, DETECT_QUEUE_NAME, WEBHOOK_QUEUE_NAME, decodeJobError, encodeJobError, jobIdSchema, jobOptions, newJobId, queueKeys, resultKey, uploadKey } from './queue.js';

describe('queue contract', () => {
  it('makes unguessable ids BullMQ accepts (no ":")', () => {
    const ids = new Set(Array.from({ length: 1000 }, newJobId));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).not.toContain(':');
      expect(jobIdSchema.parse(id)).toBe(id);
    }
  });

  it('never starts an id with "-", which a command line would take for an option', () => {
    // Before: 1 id in 64 did, so 5,000 ids held ~78 of them.
    const leading = Array.from({ length: 5000 }, newJobId).filter((id) => id.startsWith('-'));
    expect(leading).toEqual([]);
  });

  it('round-trips a job error and turns anything else into INTERNAL', () => {
    expect(decodeJobError(encodeJobError({ code: 'INVALID_AUDIO', message: 'bad header' }))).toEqual({ code: 'INVALID_AUDIO', message: 'bad header' });
    expect(decodeJobError('job stalled more than allowable limit').code).toBe('INTERNAL');
    expect(decodeJobError(JSON.stringify({ code: 'NOPE', message: 'x' })).code).toBe('INTERNAL');
    expect(decodeJobError(undefined).code).toBe('INTERNAL');
  });

  it('derives every key from the prefix', () => {
    const k = queueKeys('{vadfleet}');
    expect(k.cancel('j')).toBe('{vadfleet}:cancel:j');
    expect(k.cancelChannel).toBe('{vadfleet}:cancel');
    expect(k.tenantJobs('t')).toBe('{vadfleet}:tenant:t:jobs');
    expect(k.jobMeta('j')).toBe('{vadfleet}:jobmeta:j');
    expect(k.worker('w')).toBe('{vadfleet}:workers:w');
    expect(uploadKey('t', 'j')).toBe('t/j/audio');
    expect(resultKey('results', 't', 'j')).toBe('results/t/j.json');
    expect(resultKey('a/b/', 't', 'j')).toBe('a/b/t/j.json');
    expect(resultKey('', 't', 'j')).toBe('t/j.json');
  });

  it('sets each queue\'s attempts, backoff and retention in one place; a job adds its id, attempts or priority', () => {
    expect(jobOptions(DETECT_QUEUE_NAME)).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 86_400, count: 10_000 } });
    expect(jobOptions(BATCH_EXPAND_QUEUE_NAME, { jobId: 'b' })).toEqual({ jobId: 'b', attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 604_800 } });
    expect(jobOptions(WEBHOOK_QUEUE_NAME, { attempts: 3 })).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 2000 } });
    // An option left undefined keeps the queue's.
    expect(jobOptions(WEBHOOK_QUEUE_NAME, { attempts: undefined }).attempts).toBe(6);
  });
});
