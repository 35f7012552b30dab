#!/usr/bin/env node
/**
 * `npm run bench:uploads`: the API's memory under concurrent uploads. A private redis-server and s3rver,
 * the API alone (no worker: jobs just queue), then rounds of N uploads at once (BENCH_CONCURRENCY,
 * default 1,5,10,25) of BENCH_UPLOAD_MB each (default 19), and a last round of 24 × 19 MB plus one
 * 300 MB upload. Per round: the API's peak RSS (VmHWM, reset before the round) over its idle RSS, and
 * that growth per concurrent upload. MAX_CONCURRENT_UPLOADS is raised so no upload is refused.
 * Not a test: nothing is asserted. Linux only (reads /proc). Needs `npm run build` (the npm script does it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { startPrivateRedis } from '@vadfleet/testkit/redis-server';
import { s3rverAppEnv, startS3Server } from '@vadfleet/testkit/s3-server';
import { spawnApp } from '@vadfleet/testkit/spawn-app';
import { API_KEY } from './bench-common.mjs';

const MB = 1024 * 1024;
const concurrency = (process.env.BENCH_CONCURRENCY ?? '1,5,10,25').split(',').map(Number);
const uploadBytes = Number(process.env.BENCH_UPLOAD_MB ?? 19) * MB;

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)[1]);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Starts a new peak: writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0). */
const resetPeak = (pid) => writeFileSync(`/proc/${pid}/clear_refs`, '5');

async function upload(url, bytes) {
  const form = new FormData();
  form.set('params', JSON.stringify({ preset: 'meeting' }));
  form.set('file', new Blob([bytes], { type: 'application/octet-stream' }), 'bench.bin');
  const res = await fetch(`${url}/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: form });
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
}

const [s3, redis] = await Promise.all([startS3Server(), startPrivateRedis()]);
const startApi = () =>
  spawnApp('api', {
    REDIS_URL: redis.url,
    ...s3rverAppEnv(s3.endpoint),
    PORT: '0',
    API_KEYS: `${API_KEY}:bench`,
    RATE_LIMIT_PER_MINUTE: '100000',
    MAX_CONCURRENT_UPLOADS: '1000',
  });
try {
  const small = Buffer.alloc(uploadBytes, 1);
  const big = Buffer.alloc(300 * MB, 2);
  const rounds = [
    ...concurrency.map((n) => ({ name: `${n} × ${uploadBytes / MB} MB`, files: Array(n).fill(small) })),
    { name: `24 × ${uploadBytes / MB} MB + 1 × 300 MB`, files: [...Array(24).fill(small), big] },
  ];
  const rows = [];
  for (const round of rounds) {
    // A fresh API per round: memory a round has touched is not all handed back to the OS.
    const api = await startApi();
    try {
      await upload(api.url, small); // warm-up: first-request code paths and the S3 client's sockets
      await new Promise((r) => setTimeout(r, 1000));
      const idle = memory(api.pid).rss;
      resetPeak(api.pid);
      const started = performance.now();
      await Promise.all(round.files.map((bytes) => upload(api.url, bytes)));
      const seconds = (performance.now() - started) / 1000;
      const { peak } = memory(api.pid);
      rows.push({ round: round.name, idle, peak, perUpload: (peak - idle) / round.files.length, seconds });
      process.stderr.write(`${round.name}: peak ${peak.toFixed(0)} MB\n`);
    } finally {
      api.kill('SIGTERM');
      await api.exited;
    }
  }
  console.log('\n| concurrent uploads | API RSS before | API peak RSS | growth per upload | wall time |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.round} | ${r.idle.toFixed(0)} MB | ${r.peak.toFixed(0)} MB | ${r.perUpload.toFixed(1)} MB | ${r.seconds.toFixed(1)} s |`);
} finally {
  await Promise.all([s3.stop(), redis.stop()]);
}
