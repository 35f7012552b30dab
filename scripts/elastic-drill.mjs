#!/usr/bin/env node
/**
 * The elastic-fleet drill: a batch of short calls runs while a small autoscaler grows and shrinks the
 * worker fleet the way KEDA would on Kubernetes (infra/k8s/base/worker-scaledobject.yaml). The
 * autoscaler reads the API's real /metrics (vadfleet_queue_jobs, waiting + prioritized), applies
 * KEDA's rule — desired = ceil(backlog / threshold), bounded by min and max — scales up at once and
 * down only after a cooldown (the highest desired count of the last cooldown wins, like the HPA's
 * stabilization window), and starts worker processes or stops them with SIGTERM. Everything is real:
 * the API and workers as child processes (built dist/), Redis, s3rver, the model.
 *
 * infra/test/elastic-fleet.test.ts runs it and checks every call completed exactly once. Run directly,
 *   npm run build && node scripts/elastic-drill.mjs [--png docs/img/elastic-fleet.png]
 * it prints the timeline and each process's CPU seconds and peak RSS, and draws the timeline as a PNG
 * (headless Chromium at /usr/bin/chromium through playwright-core).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { startPrivateRedis } from '@vadfleet/testkit/redis-server';
import { s3rverClientConfig, startS3Server } from '@vadfleet/testkit/s3-server';
import { ServiceUnderTest } from '@vadfleet/testkit/service-under-test';
import { WAV_FORMAT, wavData, wavFile } from '@vadfleet/testkit/wav';

const API_KEY = 'drill-key-0123456789abcdef';
const EXAMPLE = fileURLToPath(new URL('../../shared/audio/vad_example.wav', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** KEDA's rule for one trigger: ceil(metric / threshold), within [min, max]. */
export function desiredReplicas(metric, { threshold, min, max }) {
  return Math.min(max, Math.max(min, Math.ceil(metric / threshold)));
}

/** Sum of a gauge's series whose `label` is one of `values`, from Prometheus text. */
export function gaugeSum(text, name, label, values) {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const value = new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(m[2])?.[1];
    if (value !== undefined && values.includes(value)) sum += Number(m[3]);
  }
  return sum;
}

/** A `durationMs` call cut from the example recording at an offset of its own (no cache hits). */
function call(pcm, i, durationMs) {
  const bytesPerMs = 32;
  const out = Buffer.alloc(durationMs * bytesPerMs);
  for (let written = 0, from = (i * 211 * bytesPerMs) % pcm.length; written < out.length; from = 0) written += pcm.copy(out, written, from);
  return wavFile({ formatTag: WAV_FORMAT.pcm, channels: 1, sampleRate: 16_000, bitsPerSample: 16 }, out);
}

/** Peak RSS (MiB) and CPU seconds of a process so far, from /proc (Linux). */
function usageOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { peakRssMiB: Number(/^VmHWM:\s+(\d+) kB/m.exec(status)[1]) / 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
  } catch {
    return undefined;
  }
}

/**
 * Runs the drill; resolves with the timeline, the batch as the API reports it, and every worker's
 * log lines. Options: calls, callMs, threshold, min, max, cooldownMs, intervalMs, redisUrl, s3Endpoint.
 */
export async function runDrill(options = {}) {
  const o = { calls: 300, callMs: 2000, threshold: 40, min: 1, max: 4, cooldownMs: 3000, intervalMs: 250, ...options };
  const s3 = o.s3Endpoint ? undefined : await startS3Server();
  const redis = o.redisUrl ? undefined : await startPrivateRedis({ durable: false });
  const s3Endpoint = o.s3Endpoint ?? s3.endpoint;
  const store = new ObjectStore(createS3Client(s3rverClientConfig(s3Endpoint)));
  const fleet = new ServiceUnderTest({
    redisUrl: o.redisUrl ?? redis.url,
    s3Endpoint,
    buckets: store,
    apiKeys: `${API_KEY}:drill`,
    label: 'drill',
    // The API samples the queue often, as KEDA would poll; the feeder lets the whole batch into the queue.
    env: { QUEUE_SAMPLE_INTERVAL_MS: '200' },
    workerEnv: { BATCH_MAX_IN_FLIGHT_PER_TENANT: String(o.calls), BATCH_FEED_INTERVAL_MS: '100', WORKER_CONCURRENCY: '2', INFERENCE_THREADS: '1' },
  });
  const workers = []; // { app?, starting, startedAt, readyAt?, stoppedAt?, exit?, usage? }
  const timeline = [];
  let stopLoop = false;
  try {
    const api = await fleet.startApi();
    const pcm = wavData(readFileSync(EXAMPLE));
    const keys = Array.from({ length: o.calls }, (_, i) => `drill/call-${String(i).padStart(4, '0')}.wav`);
    for (let i = 0; i < keys.length; i += 25) {
      await Promise.all(keys.slice(i, i + 25).map((key, j) => store.putBytes(fleet.inputBucket, key, call(pcm, i + j, o.callMs), 'audio/wav')));
    }
    const request = async (path, init = {}) => {
      const res = await fetch(`${api.url}${path}`, { ...init, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...init.headers } });
      return { status: res.status, body: await res.json() };
    };
    // Times are counted from the batch's submission (set below); the first workers start before it.
    let t0 = Date.now();
    const startWorker = () => {
      const w = { starting: true, startedAt: Date.now() - t0 };
      workers.push(w);
      w.ready = fleet.startWorker().then((app) => {
        Object.assign(w, { app, starting: false, readyAt: Date.now() - t0 });
        app.exited.then((exit) => (w.exit = exit));
        return app;
      });
      return w;
    };
    const stopWorker = (w) => {
      w.stoppedAt = Date.now() - t0;
      w.usage = usageOf(w.app.pid);
      w.app.kill('SIGTERM');
    };
    for (let i = 0; i < o.min; i++) await startWorker().ready;
    t0 = Date.now();
    for (const w of workers) w.startedAt = w.readyAt = 0;

    const submitted = await request('/v1/batches', { method: 'POST', body: JSON.stringify({ input: { s3: { bucket: fleet.inputBucket, prefix: 'drill/' } } }) });
    if (submitted.status !== 202) throw new Error(`batch submit answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
    const batchId = submitted.body.id;

    // The autoscaler: one reading per interval, scale-down held back by the cooldown window.
    const recent = [];
    const loop = (async () => {
      while (!stopLoop) {
        const text = await (await fetch(`${api.url}/metrics`)).text();
        const backlog = gaugeSum(text, 'vadfleet_queue_jobs', 'state', ['waiting', 'prioritized']);
        const now = Date.now() - t0;
        const desired = desiredReplicas(backlog, o);
        recent.push({ t: now, desired });
        while (recent[0].t < now - o.cooldownMs) recent.shift();
        const target = Math.max(...recent.map((r) => r.desired));
        // Starting workers count, as pods that are not ready yet count for the HPA.
        const live = workers.filter((w) => w.stoppedAt === undefined);
        if (desired > live.length) for (let i = live.length; i < desired; i++) startWorker();
        else if (target < live.length) {
          // Stop the youngest ready workers first (Kubernetes prefers the newest pods too).
          const ready = live.filter((w) => !w.starting).sort((a, b) => b.readyAt - a.readyAt);
          for (const w of ready.slice(0, live.length - target)) stopWorker(w);
        }
        timeline.push({
          t: now,
          backlog,
          desired,
          ready: workers.filter((w) => !w.starting && w.stoppedAt === undefined).length,
          starting: workers.filter((w) => w.starting && w.stoppedAt === undefined).length,
        });
        await sleep(o.intervalMs);
      }
    })();

    let batch;
    for (;;) {
      batch = (await request(`/v1/batches/${batchId}`)).body;
      if (['completed', 'failed', 'cancelled'].includes(batch.status)) break;
      if (Date.now() - t0 > 300_000) throw new Error(`batch still ${batch.status} after 300 s`);
      await sleep(250);
    }
    const batchMs = Date.now() - t0;
    // A few more readings show the fleet settling back to the minimum.
    await sleep(o.cooldownMs + 1000);
    stopLoop = true;
    await loop;
    const apiUsage = usageOf(api.pid);
    for (const w of workers) {
      const app = await w.ready;
      if (w.stoppedAt === undefined) stopWorker(w);
      await app.exited;
    }
    return {
      batch,
      batchMs,
      timeline,
      apiUsage,
      workers: workers.map((w) => ({ startedAt: w.startedAt, readyAt: w.readyAt, stoppedAt: w.stoppedAt, exit: w.exit, usage: w.usage, lines: w.app.lines })),
    };
  } finally {
    stopLoop = true;
    await fleet.stop();
    await s3?.stop();
    await redis?.stop();
  }
}

/** The timeline as an SVG chart: queue backlog (left axis) and workers (right axis) over time. */
export function timelineSvg(result) {
  const W = 900, H = 420, L = 70, R = 70, T = 50, B = 60;
  const pts = result.timeline;
  const tMax = Math.max(...pts.map((p) => p.t)) / 1000;
  const bMax = Math.ceil(Math.max(10, ...pts.map((p) => p.backlog)) / 50) * 50;
  const wMax = Math.max(4, ...pts.map((p) => p.ready + p.starting));
  const x = (t) => L + ((t / 1000) / tMax) * (W - L - R);
  const yb = (v) => H - B - (v / bMax) * (H - T - B);
  const yw = (v) => H - B - (v / wMax) * (H - T - B);
  const step = (vals, y) => vals.map((p, i) => `${i ? 'H' + x(p.t).toFixed(1) + ' V' : 'M' + x(p.t).toFixed(1) + ' '}${y(p.v).toFixed(1)}`).join(' ');
  const line = (vals, y) => vals.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`).join(' ');
  const text = (tx, ty, s, extra = '') => `<text x="${tx}" y="${ty}" ${extra}>${s}</text>`;
  const ticks = (max, n) => Array.from({ length: n + 1 }, (_, i) => Math.round((max * i) / n));
  const tStep = [1, 2, 5, 10, 15, 20, 30, 60].find((s) => tMax / s <= 12);
  const tTicks = Array.from({ length: Math.floor(tMax / tStep) + 1 }, (_, i) => i * tStep)
    .map((s) => `<line x1="${x(s * 1000)}" x2="${x(s * 1000)}" y1="${H - B}" y2="${H - B + 5}" stroke="#333"/>${text(x(s * 1000), H - B + 20, s, 'text-anchor="middle"')}`)
    .join('');
  const grid = ticks(bMax, 5).map((v) => `<line x1="${L}" x2="${W - R}" y1="${yb(v)}" y2="${yb(v)}" class="grid"/>${text(L - 8, yb(v) + 4, v, 'text-anchor="end"')}`).join('');
  const wTicks = Array.from({ length: wMax + 1 }, (_, v) => text(W - R + 8, yw(v) + 4, v)).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif" font-size="13">
<style>.grid{stroke:#e5e5e5} .backlog{fill:none;stroke:#1f77b4;stroke-width:2} .workers{fill:none;stroke:#d62728;stroke-width:2.5} .starting{fill:none;stroke:#ff9896;stroke-width:2;stroke-dasharray:5 4}</style>
<rect width="${W}" height="${H}" fill="white"/>
${text(W / 2, 24, `Elastic-fleet drill: ${result.batch.counts.total} calls, ${result.batch.counts.completed} completed once each, in ${(result.batchMs / 1000).toFixed(1)} s`, 'text-anchor="middle" font-size="15" font-weight="bold"')}
${grid}${wTicks}${tTicks}
<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/><line x1="${W - R}" x2="${W - R}" y1="${T}" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>
<path class="backlog" d="${line(pts.map((p) => ({ t: p.t, v: p.backlog })), yb)}"/>
<path class="starting" d="${step(pts.map((p) => ({ t: p.t, v: p.ready + p.starting })), yw)}"/>
<path class="workers" d="${step(pts.map((p) => ({ t: p.t, v: p.ready })), yw)}"/>
${text(L - 50, T - 12, 'queue backlog (jobs)', 'fill="#1f77b4"')}${text(W - R + 50, T - 12, 'workers', 'fill="#d62728" text-anchor="end"')}
${text(W / 2, H - 18, 'seconds since the batch was submitted', 'text-anchor="middle"')}
<g transform="translate(${W - R - 290},${T + 10})"><rect width="280" height="62" fill="white" stroke="#ccc"/>
<line x1="10" x2="40" y1="16" y2="16" class="backlog"/>${text(48, 20, 'waiting + prioritized (API /metrics)')}
<line x1="10" x2="40" y1="34" y2="34" class="workers"/>${text(48, 38, 'workers consuming')}
<line x1="10" x2="40" y1="52" y2="52" class="starting"/>${text(48, 56, 'workers incl. starting (model load)')}</g>
</svg>`;
}

async function renderPng(svg, file) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 420 } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    writeFileSync(file, await page.locator('svg').screenshot());
  } finally {
    await browser.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const png = process.argv.includes('--png') ? process.argv[process.argv.indexOf('--png') + 1] : undefined;
  const result = await runDrill();
  const mib = (u) => (u ? `${u.peakRssMiB.toFixed(0)} MiB peak RSS, ${u.cpuSeconds.toFixed(1)} CPU-s` : 'n/a');
  console.log(`batch ${result.batch.status}: ${JSON.stringify(result.batch.counts)} in ${(result.batchMs / 1000).toFixed(1)} s`);
  console.log('t(s)  backlog desired ready starting');
  for (const p of result.timeline.filter((_, i) => i % 4 === 0)) console.log(`${(p.t / 1000).toFixed(1).padStart(5)} ${String(p.backlog).padStart(7)} ${String(p.desired).padStart(7)} ${String(p.ready).padStart(5)} ${String(p.starting).padStart(8)}`);
  result.workers.forEach((w, i) => {
    const done = w.lines.filter((l) => l.msg === 'job completed');
    console.log(`worker ${i}: started ${(w.startedAt / 1000).toFixed(1)} s, ready ${(w.readyAt / 1000).toFixed(1)} s, stopped ${(w.stoppedAt / 1000).toFixed(1)} s, exit ${w.exit?.code}, ${done.length} jobs, ${mib(w.usage)}`);
  });
  console.log(`api: ${mib(result.apiUsage)}`);
  if (png) {
    await renderPng(timelineSvg(result), png);
    console.log(`chart: ${png}`);
  }
}
