/**
 * What the service benchmarks share: where the model and the example are, a bounded-concurrency loop,
 * and the service itself on private servers. WAV reading and writing come from testkit's `wav`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { startPrivateRedis } from '@vadfleet/testkit/redis-server';
import { s3rverAppEnv, s3rverClientConfig, startS3Server } from '@vadfleet/testkit/s3-server';
import { spawnApp } from '@vadfleet/testkit/spawn-app';

export const MODEL_DIR = process.env.VAD_MODEL_DIR ?? new URL('../models/fsmn-vad', import.meta.url).pathname;
export const EXAMPLE = process.env.BENCH_AUDIO ?? new URL('../../shared/audio/vad_example.wav', import.meta.url).pathname;

/** Runs `task(i)` for i in [0, n) with at most `limit` at once. */
export async function pool(n, limit, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

export const API_KEY = 'bench-key-0123456789abcdef';

/**
 * A private redis-server and s3rver, `stage(store)` run on them (untimed uploads into `bucket`, which the
 * API allows), then the API and one worker with `workerEnv` (no worker when it is null; its node flags, unless
 * BENCH_WORKER_NODE_FLAGS gives others: set it empty to measure the worker without them; likewise
 * BENCH_S3RVER_NODE_FLAGS for s3rver, which needs --openssl-legacy-provider). `stop()` ends
 * all of it; a failed start stops what had started.
 */
export async function startBenchService({ bucket, stage, workerEnv }) {
  const [s3, redis] = await Promise.all([startS3Server({ nodeFlags: flagsFromEnv('BENCH_S3RVER_NODE_FLAGS') }), startPrivateRedis()]);
  const env = { REDIS_URL: redis.url, ...s3rverAppEnv(s3.endpoint), S3_ALLOWED_BUCKETS: bucket, LOG_LEVEL: 'info' };
  const apps = [];
  const stop = async () => {
    for (const app of apps) app.kill('SIGTERM');
    await Promise.all(apps.map((app) => app.exited));
    await Promise.all([s3.stop(), redis.stop()]);
  };
  try {
    const store = new ObjectStore(createS3Client(s3rverClientConfig(s3.endpoint)));
    await store.ensureBucket(bucket);
    await stage(store);
    const api = await spawnApp('api', { ...env, PORT: '0', API_KEYS: `${API_KEY}:bench`, RATE_LIMIT_PER_MINUTE: '100000' });
    apps.push(api);
    if (workerEnv === null) return { api, redisUrl: redis.url, store, stop };
    const worker = await spawnApp('worker', { ...env, VAD_MODEL_DIR: MODEL_DIR, METRICS_PORT: '0', ...workerEnv }, { nodeFlags: flagsFromEnv('BENCH_WORKER_NODE_FLAGS') });
    apps.push(worker);
    return { api, worker, redisUrl: redis.url, store, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Node flags from `name` (space-separated; empty: none), or undefined when it is unset (the usual ones). */
function flagsFromEnv(name) {
  const flags = process.env[name];
  return flags === undefined ? undefined : flags.split(/\s+/).filter(Boolean);
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * CPU seconds (user + system, all threads) used so far by this process and each of its child processes
 * (the apps, redis-server, s3rver), by name; empty where /proc is not there.
 */
export function cpuSecondsByProcess() {
  const out = new Map();
  let pids;
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    if (Number(pid) !== process.pid && ppid !== process.pid) continue;
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    const name = Number(pid) === process.pid ? 'this process' : /apps\/(api|worker)\//.exec(cmd)?.[1] ?? (/s3rver|s3-server/.test(cmd) ? 's3 server' : /redis-server/.test(cmd) ? 'redis' : cmd.slice(0, 40));
    out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
  }
  return out;
}

/** What each process used between two cpuSecondsByProcess() readings. */
export function cpuSecondsBetween(before, after) {
  return new Map([...after].map(([name, s]) => [name, s - (before.get(name) ?? 0)]));
}

