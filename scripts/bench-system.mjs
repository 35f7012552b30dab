#!/usr/bin/env node
/**
 * `npm run bench:system`: throughput of the whole service against vad-core alone, in the same run on the
 * same machine. 100 generated 3-minute files (rotations of the example audio at different gains, so
 * none is served from the result cache) are staged in S3 (untimed: on this machine the S3 server shares
 * the cores with the model, and the upload is the client's cost, not the service's), then submitted by
 * S3 key to api + 1 worker (INFERENCE_THREADS=2) on a private redis-server and s3rver and polled to
 * completion; then the same files, written to a temp dir, go straight through vad-core (read from
 * disk) with the same threads and job concurrency. Prints audio seconds per wall second, p50/p95 job latency, and the ratio.
 * The npm script runs this process with the worker's node flags (apps/worker/package.json), so vad-core
 * alone has the same GC settings as the worker.
 * On Linux it also prints the CPU seconds each process used in the timed windows (from /proc).
 * BENCH_WORKER_NODE_FLAGS overrides the worker's node flags (empty: none), BENCH_S3RVER_NODE_FLAGS
 * s3rver's (keep --openssl-legacy-provider). BENCH_ROUNDS=n runs the
 * system n times, each between two vad-core runs, and prints each round's ratio and the median round's
 * table (use an odd n): on a noisy machine one round's ratio moves by a few percent.
 * Not a test: nothing is asserted. Needs `npm run build` (the npm script does it).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vad } from '@vadfleet/vad-core';
import { WAV_FORMAT, wavFile, wavPcm16 } from '@vadfleet/testkit/wav';
import { API_KEY, EXAMPLE, MODEL_DIR, cpuSecondsBetween, cpuSecondsByProcess, pool, startBenchService } from './bench-common.mjs';

const FILES = Number(process.env.BENCH_FILES ?? 100);
const FILE_MS = 180_000;
const THREADS = 2;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);

const examplePcm = wavPcm16(readFileSync(EXAMPLE));

/** File `i`: FILE_MS of the example starting at a different offset, at a different gain. */
function benchFile(i) {
  const samples = (FILE_MS / 1000) * 16_000;
  const data = Buffer.alloc(samples * 2);
  const gain = 0.6 + (i % 9) * 0.1;
  const offset = (i * 7919 * 16) % examplePcm.length;
  for (let s = 0; s < samples; s++) {
    const v = Math.round(examplePcm[(offset + s) % examplePcm.length] * gain);
    data.writeInt16LE(Math.max(-32768, Math.min(32767, v)), s * 2);
  }
  return wavFile({ formatTag: WAV_FORMAT.pcm, channels: 1, sampleRate: 16_000, bitsPerSample: 16 }, data);
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function benchSystem() {
  const { api, stop } = await startBenchService({
    bucket: 'bench-input',
    stage: (store) => pool(FILES, 2, (i) => store.putBytes('bench-input', `bench-${i}.wav`, benchFile(i), 'audio/wav')),
    workerEnv: { INFERENCE_THREADS: String(THREADS), WORKER_CONCURRENCY: String(CONCURRENCY) },
  });
  const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
  try {
    const started = Date.now();
    const cpuBefore = cpuSecondsByProcess();
    // All files are submitted at once (a backlog), then followed as a bulk client would: one list call
    // every 2 s rather than a poll per job, so the client adds little load to the API being measured.
    // Latency and the end come from the jobs' own timestamps, so sparse polling does not stretch them.
    const ids = new Set();
    await pool(FILES, FILES, async (i) => {
      const body = JSON.stringify({ input: { s3: { bucket: 'bench-input', key: `bench-${i}.wav` } } });
      const res = await fetch(`${api.url}/v1/jobs`, { method: 'POST', headers, body });
      if (res.status !== 202) throw new Error(`submit ${i}: ${res.status} ${await res.text()}`);
      ids.add((await res.json()).id);
    });
    const finished = new Map();
    while (finished.size < ids.size) {
      await new Promise((r) => setTimeout(r, 2000));
      for await (const job of listJobs(api.url, headers)) {
        if (!ids.has(job.id) || finished.has(job.id)) continue;
        if (job.status === 'completed') finished.set(job.id, job);
        else if (job.status !== 'queued' && job.status !== 'active') throw new Error(`job ${job.id}: ${JSON.stringify(job)}`);
      }
    }
    const cpu = cpuSecondsBetween(cpuBefore, cpuSecondsByProcess());
    const latenciesMs = [...finished.values()].map((job) => Date.parse(job.finishedAt) - Date.parse(job.createdAt));
    const lastFinished = Math.max(...[...finished.values()].map((job) => Date.parse(job.finishedAt)));
    return { wallMs: lastFinished - started, latenciesMs, cpu };
  } finally {
    await stop();
  }
}

/** Every job of the caller, newest first, page by page. */
async function* listJobs(url, headers) {
  for (let cursor = ''; ; ) {
    const res = await fetch(`${url}/v1/jobs?limit=100${cursor && `&cursor=${encodeURIComponent(cursor)}`}`, { headers });
    if (res.status !== 200) throw new Error(`list: ${res.status} ${await res.text()}`);
    const page = await res.json();
    yield* page.items;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

async function benchCore() {
  // The same files, read from disk by vad-core's own streaming reader (as the CLI reads them).
  const dir = mkdtempSync(join(tmpdir(), 'vadfleet-bench-'));
  const paths = Array.from({ length: FILES }, (_, i) => {
    const path = join(dir, `bench-${i}.wav`);
    writeFileSync(path, benchFile(i));
    return path;
  });
  const vad = await Vad.create({ modelDir: MODEL_DIR, threads: THREADS });
  try {
    const cpuBefore = cpuSecondsByProcess();
    const started = performance.now();
    await pool(FILES, CONCURRENCY, async (i) => {
      await vad.detect(paths[i]);
    });
    const wallMs = performance.now() - started;
    return { wallMs, cpu: cpuSecondsBetween(cpuBefore, cpuSecondsByProcess()).get('this process') };
  } finally {
    await vad.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const audioSeconds = (FILES * FILE_MS) / 1000;
process.stderr.write(`${FILES} files × ${FILE_MS / 60000} min, ${THREADS} inference threads, ${CONCURRENCY} jobs at once, ${availableParallelism()} cores, ${ROUNDS} round(s)\n`);
// vad-core runs before and after each system run and the two are averaged, so drift in what else the
// machine is doing meanwhile weighs on both sides alike (with several rounds, each vad-core run between
// two system runs serves both).
const cores = [await benchCore()];
const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const system = await benchSystem();
  cores.push(await benchCore());
  const [before, after] = cores.slice(-2);
  const systemRate = audioSeconds / (system.wallMs / 1000);
  const coreRate = audioSeconds / ((before.wallMs + after.wallMs) / 2000);
  rounds.push({ system, before, after, systemRate, coreRate, ratio: systemRate / coreRate });
  if (ROUNDS > 1) process.stderr.write(`round ${r + 1}: system / vad-core throughput ${(systemRate / coreRate).toFixed(3)}\n`);
}
// One round's table: the median one when there are several.
const { system, before: coreBefore, after: coreAfter, systemRate, coreRate } = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)];
const fmt = (n) => n.toFixed(1);
console.log(`
| path                     | audio s / wall s | p50 job latency | p95 job latency |
|--------------------------|------------------|-----------------|-----------------|
| vad-core alone (mean)    | ${fmt(coreRate).padStart(16)} |               – |               – |
| api + worker (S3, Redis) | ${fmt(systemRate).padStart(16)} | ${`${fmt(percentile(system.latenciesMs, 50) / 1000)} s`.padStart(15)} | ${`${fmt(percentile(system.latenciesMs, 95) / 1000)} s`.padStart(15)} |

vad-core before/after: ${fmt(audioSeconds / (coreBefore.wallMs / 1000))} / ${fmt(audioSeconds / (coreAfter.wallMs / 1000))} audio s / wall s
system / vad-core throughput: ${(systemRate / coreRate).toFixed(3)} (loss ${fmt(100 * (1 - systemRate / coreRate))} %, target ≤ 15 %)`);
if (ROUNDS > 1) {
  const ratios = rounds.map((round) => round.ratio.toFixed(3));
  console.log(`that is the median of ${ROUNDS} rounds: ${ratios.join(', ')} (${rounds.filter((round) => round.ratio >= 0.85).length} of ${ROUNDS} at ≥ 0.85)`);
}
// Where the CPU goes (Linux): both sides keep the cores busy, so the loss is CPU the rest takes from the model.
if (system.cpu.size > 0) {
  const sum = (m) => [...m.values()].reduce((a, b) => a + b, 0);
  const rows = [...system.cpu].filter(([, s]) => s >= 0.05).sort((a, b) => b[1] - a[1]);
  console.log(`
CPU seconds in the timed windows (${availableParallelism()} cores):
  vad-core alone: ${fmt(coreBefore.cpu)} / ${fmt(coreAfter.cpu)} in ${fmt(coreBefore.wallMs / 1000)} / ${fmt(coreAfter.wallMs / 1000)} s
  service: ${fmt(sum(system.cpu))} in ${fmt(system.wallMs / 1000)} s — ${rows.map(([name, s]) => `${name === 'this process' ? 'bench client' : name} ${fmt(s)}`).join(', ')}`);
}
