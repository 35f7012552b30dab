/**
 * The dashboards and alert rules against real data: the API and a worker (built dist/, as child
 * processes) on real Redis and s3rver, scraped every second by a real Prometheus on loopback. After a
 * few jobs (one cache hit, one bad input), every dashboard query and every rule expression is evaluated
 * through Prometheus's HTTP API: each must parse, and each dashboard panel must return data, except the
 * GPU panels on this GPU-less machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { randomBucket, randomPrefix } from '@vadfleet/testkit/names';
import { WAV_FORMAT, wavFile } from '@vadfleet/testkit/wav';
import { s3rverAppEnv, s3rverClientConfig } from '@vadfleet/testkit/s3-server';
import { spawnApp, type AppProcess } from '@vadfleet/testkit/spawn-app';
import { fsmnModelDir } from '@vadfleet/testkit/test-data';
import { substituteGrafanaVariables } from './promql-names.js';
import { RULES_FILE, panelsOf, readDashboards, readRuleGroups, repoPath } from './repo-files.js';

const API_KEY = 'infra-e2e-key-0123456789';
/** Panels with no data on a machine without GPUs (the "Workers with a GPU" stat still shows 0). */
const ALLOWED_EMPTY = new Set(['GPU memory', 'GPU utilization']);
const VARIABLES = { job: 'vadfleet-.*', instance: '.*', rateInterval: '1m', range: '5m' };

let dir: string;
let api: AppProcess | undefined;
let worker: AppProcess | undefined;
let prometheus: ChildProcess | undefined;
let prometheusUrl: string;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function query(expr: string): Promise<QueryResponse> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  return (await res.json()) as QueryResponse;
}

async function scalar(expr: string): Promise<number | undefined> {
  const result = (await query(expr)).data?.result ?? [];
  return result.length ? Number(result[0].value[1]) : undefined;
}

/** 3 s of 16 kHz mono PCM16: a tone burst between quiet noise, with a WAV header. */
function toneWav(): Buffer {
  const sampleRate = 16_000;
  const samples = 3 * sampleRate;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const loud = i > sampleRate && i < 2 * sampleRate;
    const value = loud ? 8000 * Math.sin((2 * Math.PI * 220 * i) / sampleRate) : 50 * Math.sin(i * 12.9898);
    data.writeInt16LE(Math.round(value), i * 2);
  }
  return wavFile({ formatTag: WAV_FORMAT.pcm, channels: 1, sampleRate, bitsPerSample: 16 }, data);
}

async function submit(audio: Buffer): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(audio)], { type: 'audio/wav' }), 'audio.wav');
  const res = await fetch(`${api!.url}/v1/jobs`, { method: 'POST', body: form, headers: { authorization: `Bearer ${API_KEY}` } });
  const body = (await res.json()) as { id: string };
  if (res.status !== 202) throw new Error(`POST /v1/jobs answered ${res.status}: ${JSON.stringify(body)}`);
  return body.id;
}

async function finalStatus(id: string): Promise<string> {
  return until(`job ${id} to finish`, async () => {
    const job = (await (await fetch(`${api!.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as { status: string };
    return ['completed', 'failed', 'cancelled'].includes(job.status) ? job.status : undefined;
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vadfleet-prometheus-'));
  const uploadBucket = randomBucket('up');
  const resultsBucket = randomBucket('res');
  const store = new ObjectStore(createS3Client(s3rverClientConfig(inject('s3Endpoint'))));
  await Promise.all([store.ensureBucket(uploadBucket), store.ensureBucket(resultsBucket)]);
  const env = {
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: randomPrefix('infra'),
    ...s3rverAppEnv(inject('s3Endpoint')),
    UPLOAD_BUCKET: uploadBucket,
    RESULTS_BUCKET: resultsBucket,
    // info: spawnApp waits for the apps' "listening at" line.
    LOG_LEVEL: 'info',
  };
  api = await spawnApp('api', { ...env, PORT: '0', HOST: '127.0.0.1', API_KEYS: `${API_KEY}:infra` });
  worker = await spawnApp('worker', { ...env, METRICS_PORT: '0', VAD_MODEL_DIR: fsmnModelDir(), WORKER_CONCURRENCY: '2', INFERENCE_THREADS: '1' });

  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  const target = (url: string) => new URL(url).host;
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [repoPath(RULES_FILE)],
    scrape_configs: [
      { job_name: 'vadfleet-api', static_configs: [{ targets: [target(api.url)] }] },
      { job_name: 'vadfleet-worker', metrics_path: new URL(worker.url).pathname, static_configs: [{ targets: [target(worker.url)] }] },
    ],
  };
  await writeFile(join(dir, 'prometheus.yml'), stringify(config));
  prometheus = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  // This test's own server on a free port: stopped in afterAll, and killed if this process ends first,
  // so no run needs to kill Prometheus processes by name (which would hit a user's own).
  const owned = prometheus;
  process.once('exit', () => owned.kill('SIGKILL'));
  const stderr: string[] = [];
  prometheus.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  prometheus.once('error', (err) => stderr.push(`cannot start prometheus (apt-get install prometheus): ${err.message}`));
  await until(`Prometheus at ${prometheusUrl} (stderr: ${stderr.join('')})`, async () => ((await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined));
  // Both targets scraped at least once before any job, so counters are seen starting from 0.
  await until('both targets up', async () => ((await scalar('sum(up{job=~"vadfleet-.*"})')) === 2 ? true : undefined));

  const audio = toneWav();
  const statuses = [await finalStatus(await submit(audio)), await finalStatus(await submit(audio)), await finalStatus(await submit(Buffer.from('RIFF....WAVEnot really audio')))];
  expect(statuses).toEqual(['completed', 'completed', 'failed']);
  // The scrape after the jobs, plus a few more so rate() windows hold several samples.
  await until('the jobs in Prometheus', async () => ((await scalar('sum(vadfleet_jobs_total{outcome=~"completed|failed"})')) === 3 ? true : undefined));
  await new Promise((r) => setTimeout(r, 3000));
}, 180_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  for (const app of [api, worker]) {
    app?.kill('SIGTERM');
    await app?.exited;
  }
  if (prometheus && prometheus.exitCode === null) await new Promise((r) => prometheus!.once('exit', r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('metrics in a real Prometheus', () => {
  it('recorded the cache hit, the bad input and the audio', async () => {
    expect(await scalar('sum(vadfleet_cache_lookups_total{result="hit"})')).toBeGreaterThanOrEqual(1);
    expect(await scalar('sum(vadfleet_errors_total{job="vadfleet-worker",code="INVALID_AUDIO"})')).toBe(1);
    expect(await scalar('sum(vadfleet_audio_processed_seconds_total)')).toBe(3);
    expect(await scalar('sum(vadfleet_jobs_accepted_total{source="upload"})')).toBe(3);
  });

  it('answers the dashboards\' $job variable query with both jobs', async () => {
    const res = await fetch(`${prometheusUrl}/api/v1/label/job/values?${new URLSearchParams({ 'match[]': 'up{job=~"vadfleet-.*"}' })}`);
    expect(((await res.json()) as { data: string[] }).data.sort()).toEqual(['vadfleet-api', 'vadfleet-worker']);
  });

  for (const { file, dashboard } of readDashboards()) {
    it(`evaluates every query of ${file}, with data in every non-GPU panel`, async () => {
      const problems: string[] = [];
      for (const panel of panelsOf(dashboard)) {
        for (const target of panel.targets ?? []) {
          const expr = substituteGrafanaVariables(target.expr, VARIABLES);
          const answer = await query(expr);
          if (answer.status !== 'success') problems.push(`"${panel.title}" ${target.refId}: ${answer.error} in ${expr}`);
          else if (!answer.data?.result.length && !ALLOWED_EMPTY.has(panel.title)) problems.push(`"${panel.title}" ${target.refId}: no data for ${expr}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('evaluates every recording and alert rule expression', async () => {
    const problems: string[] = [];
    for (const rule of readRuleGroups().flatMap((g) => g.rules)) {
      const answer = await query(rule.expr);
      if (answer.status !== 'success') problems.push(`${rule.alert ?? rule.record}: ${answer.error}`);
    }
    expect(problems).toEqual([]);
  });

  it('loaded the rule file without errors', async () => {
    const res = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: { health: string; name: string; lastError?: string }[] }[] } };
    const rules = res.data.groups.flatMap((g) => g.rules);
    expect(rules.length).toBe(readRuleGroups().flatMap((g) => g.rules).length);
    expect(rules.filter((r) => r.health === 'err').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
  });
});
