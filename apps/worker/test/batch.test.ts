/**
 * A 200-call batch end to end: stereo 8 kHz G.711 calls under an S3 prefix, one batch, one worker.
 * Segments must equal vad-core run directly on the same bytes, QA must equal computeCallQa on them, the
 * counters must end exactly at 200, the CSV must have a row per call and the webhook must arrive once,
 * signed. Run `npm run build` first (the apps run from dist/).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { Vad } from '@vadfleet/vad-core';
import { computeCallQa } from '@vadfleet/qa-analytics/call-qa';
import { verifyWebhook } from '@vadfleet/platform/webhooks/sign';
import { makeCall, planCall } from './batch-calls.js';
import { BatchSystem, TENANTS, WEBHOOK_SECRET, parseNdjson } from './batch-harness.js';
import { MODEL_DIR } from './system.js';

const CLI = fileURLToPath(new URL('../../../packages/cli/bin/vadfleet.js', import.meta.url));
const CALLS = 200;
const DURATION_MS = 6000;
const sys = new BatchSystem({ redisUrl: inject('redisUrl'), s3Endpoint: inject('s3Endpoint') });
const keys = Array.from({ length: CALLS }, (_, i) => `calls/2024-06-01/call-${String(i).padStart(4, '0')}.wav`);
const call = (i: number) => makeCall(planCall(i, DURATION_MS));
let hookUrl: string;

beforeAll(async () => {
  hookUrl = await sys.startWebhookReceiver();
  await sys.startApi();
  await sys.upload(keys, call);
  // Not audio: filtered out by the suffix.
  await sys.store.putBytes(sys.inputBucket, 'calls/2024-06-01/manifest.txt', Buffer.from('not audio'), 'text/plain');
  await sys.startWorker();
}, 120_000);
afterAll(() => sys.stop());

test('a 200-call batch: exact counters, segments and QA as vad-core, one row per call, one signed webhook', async () => {
  const input = { s3: { bucket: sys.inputBucket, prefix: 'calls/', suffix: '.wav' } };
  const dry = await sys.submitBatch({ input, dryRun: true });
  expect(dry.status).toBe(200);
  expect(dry.body).toMatchObject({ objects: CALLS, bytesPerSecond: 16_000 });
  expect(dry.body.estimatedAudioHours).toBeCloseTo((CALLS * DURATION_MS) / 3_600_000, 2);

  const body = { input, params: { preset: 'fast-dialogue' }, webhook: { url: hookUrl } };
  const first = await sys.submitBatch(body, { idempotencyKey: 'nightly-2024-06-01' });
  expect(first.status).toBe(202);
  const again = await sys.submitBatch(body, { idempotencyKey: 'nightly-2024-06-01' });
  expect(again.body.id).toBe(first.body.id); // the same batch, not a second one

  const done = await sys.waitForBatch(first.body.id);
  expect(done.status).toBe('completed');
  expect(done.counts).toEqual({ total: CALLS, pending: 0, inFlight: 0, completed: CALLS, failed: 0, cancelled: 0 });
  expect(done.percent).toBe(100);
  expect(done.audioMsProcessed).toBe(CALLS * DURATION_MS);

  const ndjson = await sys.request(`/v1/batches/${first.body.id}/results`);
  expect(ndjson.status).toBe(200);
  const lines = parseNdjson(ndjson.text);
  expect(lines.map((l) => l.key)).toEqual(keys);

  const vad = await Vad.create({ modelDir: MODEL_DIR, threads: 1 });
  try {
    for (const [i, line] of lines.entries()) {
      expect(line.status, line.key).toBe('completed');
      const direct = await vad.detect(call(i), { params: line.result.params });
      const segments = direct.channels.map((c) => c.segments);
      expect(line.result.channels.map((c: { segments: unknown }) => c.segments), line.key).toEqual(segments);
      expect(line.result.qa, line.key).toEqual(computeCallQa({ channels: segments, durationMs: direct.durationMs }));
      // Sanity against the placement: the agent speaks first, the customer after, so no overtalk.
      const plan = planCall(i, DURATION_MS);
      const [agent, customer] = segments;
      expect(agent[0][0]).toBeGreaterThanOrEqual(plan.agent.atMs - 400);
      expect(agent.at(-1)![1]).toBeLessThanOrEqual(plan.agent.atMs + plan.agent.lengthMs + 800);
      expect(customer[0][0]).toBeGreaterThanOrEqual(plan.customer.atMs - 400);
      expect(line.result.qa.conversation.overtalk.totalMs).toBe(0);
      expect(line.result.qa.conversation.talk.agentShare).toBeGreaterThan(0.4);
    }
  } finally {
    await vad.close();
  }

  const csv = await sys.request(`/v1/batches/${first.body.id}/results?format=csv`);
  const rows = csv.text.trim().split('\n');
  expect(rows).toHaveLength(CALLS + 1);
  expect(rows[0]).toContain('ch0_speech_ms');
  expect(rows[1].startsWith(`${keys[0]},completed,,${DURATION_MS},,agent,`)).toBe(true); // no warnings

  // The webhook: delivered once (the view says so), with a valid signature over the raw body.
  for (let i = 0; i < 100 && !(await sys.request(`/v1/batches/${first.body.id}`)).body.webhook.delivered; i++) await new Promise((r) => setTimeout(r, 100));
  const view = (await sys.request(`/v1/batches/${first.body.id}`)).body;
  expect(view.webhook).toMatchObject({ url: hookUrl, delivered: true });
  expect(view.webhook.attempts).toHaveLength(1);
  expect(sys.webhooks).toHaveLength(1);
  const hook = sys.webhooks[0];
  expect(verifyWebhook(WEBHOOK_SECRET, String(hook.headers['vadfleet-signature']), hook.body)).toMatchObject({ ok: true });
  expect(JSON.parse(hook.body.toString())).toMatchObject({ event: 'batch.completed', batch: { id: first.body.id, counts: { total: CALLS, completed: CALLS } } });
  const redeliver = await sys.request(`/v1/batches/${first.body.id}/webhook/redeliver`, { method: 'POST' });
  expect(redeliver.status).toBe(409); // delivered already

  // Another tenant cannot see it; a webhook outside the allowlist is refused at submission.
  expect((await sys.request(`/v1/batches/${first.body.id}`, { tenant: 'b' })).status).toBe(404);
  const refused = await sys.submitBatch({ input, webhook: { url: 'http://169.254.169.254/latest' } });
  expect(refused.status).toBe(400);
  expect(refused.body.error.code).toBe('WEBHOOK_NOT_ALLOWED');
});

test('the CLI: submit --wait follows a batch to its end; status and results --format csv', async () => {
  const env = { ...process.env, VADFLEET_API_URL: sys.api!.url, VADFLEET_API_KEY: TENANTS.a.key };
  const run = (args: string[]) =>
    new Promise<CliRun>((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ args, code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
  const submit = await run(['batch', 'submit', `s3://${sys.inputBucket}/calls/`, '--glob', 'calls/*/call-000?.wav', '--preset', 'fast-dialogue', '--wait', '--interval-ms', '200']);
  expect(submit.stderr, shown(submit)).toMatch(/completed: 10\/10 calls .* failed 0/);
  expect(submit.code, shown(submit)).toBe(0);
  const { id } = parsed(submit, submit.stdout.split('\n')[0]);
  const status = await run(['batch', 'status', id]);
  expect(parsed(status, status.stdout)).toMatchObject({ id, status: 'completed', counts: { completed: 10 } });
  const csv = await run(['batch', 'results', id, '--format', 'csv']);
  expect(csv.stdout.trim().split('\n'), shown(csv)).toHaveLength(11);
});

interface CliRun {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI run as a failure message: its arguments, exit status and both streams. */
const shown = (r: CliRun) => `vadfleet ${r.args.join(' ')} → exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

function parsed(r: CliRun, text: string): any {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${(err as Error).message} in\n${shown(r)}`);
  }
}

test("GET /v1/batches and `vadfleet batch list`: the tenant's batches newest first, paged, filtered by status; never another tenant's", async () => {
  const other = await sys.submitBatch({ input: { s3: { bucket: sys.inputBucket, keys: keys.slice(0, 2) } } }, { tenant: 'b' });
  expect(other.status).toBe(202);
  await sys.waitForBatch(other.body.id, 'b');
  const all = await sys.request('/v1/batches?limit=100');
  expect(all.status).toBe(200);
  const mine = all.body.items.map((b: { id: string }) => b.id);
  expect(mine.length).toBeGreaterThanOrEqual(2); // the 200-call batch and the CLI's
  expect(mine).not.toContain(other.body.id);
  expect(all.body.nextCursor).toBeNull();
  const created = all.body.items.map((b: { createdAt: string }) => Date.parse(b.createdAt));
  expect(created).toEqual([...created].sort((x, y) => y - x));
  expect(all.body.items[0]).toMatchObject({ status: 'completed', percent: 100, counts: { total: 10, completed: 10 } });

  // Page by page, one at a time: the same batches in the same order.
  const paged: string[] = [];
  for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages++) {
    const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await sys.request(`/v1/batches?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    paged.push(...page.body.items.map((b) => b.id));
    cursor = page.body.nextCursor;
  }
  expect(paged).toEqual(mine);
  const inState = (status: string) => all.body.items.filter((b: { status: string }) => b.status === status).map((b: { id: string }) => b.id);
  expect((await sys.request('/v1/batches?status=completed')).body.items.map((b: { id: string }) => b.id)).toEqual(inState('completed'));
  expect((await sys.request('/v1/batches?status=cancelled')).body.items.map((b: { id: string }) => b.id)).toEqual(inState('cancelled'));
  expect((await sys.request('/v1/batches', { tenant: 'b' })).body.items.map((b: { id: string }) => b.id)).toEqual([other.body.id]);
  expect((await sys.request('/v1/batches?status=paused')).status).toBe(400);
  expect((await sys.request('/v1/batches?cursor=nope')).body.error.code).toBe('BAD_REQUEST');

  const env = { ...process.env, VADFLEET_API_URL: sys.api!.url, VADFLEET_API_KEY: TENANTS.a.key };
  const list = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, 'batch', 'list', '--limit', '1', '--all'], { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }));
  });
  expect(list.code, list.stderr).toBe(0);
  const rows = list.stdout.trim().split('\n');
  expect(rows[0]).toMatch(/^ID\s+STATUS\s+PERCENT\s+DONE\s+FAILED\s+CREATED$/);
  expect(rows.slice(1).map((r) => r.split(/\s+/)[0])).toEqual(mine);
  expect(rows[1]).toMatch(/ completed\s+100%\s+10\/10\s+0\s+/);
});
