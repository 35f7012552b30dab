#!/usr/bin/env node
/**
 * `npm start`: the whole service on one machine with nothing but Node and redis-server installed.
 * Starts what is not configured (a private redis-server, an s3rver on .data/s3), makes sure the model
 * is there, then the API and one worker as child processes. Ctrl-C stops everything: apps first (they
 * finish active jobs), then Redis and S3. Set REDIS_URL / S3_ENDPOINT / VAD_MODEL_DIR / API_KEYS to use
 * your own, and VADFLEET_DATA_DIR for another data folder than .data.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
// testkit's launch helpers (built by `npm start` before this runs): one free-port finder and one reader of
// the manifests' node flags for npm start, the tests and the benchmarks.
import { freePort } from '@vadfleet/testkit/free-port';
import { manifestNodeFlags } from '@vadfleet/testkit/spawn-app';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(root, process.env.VADFLEET_DATA_DIR ?? '.data');
const env = { ...process.env };
/** Started processes, stopped in reverse order. */
const children = [];
let stopping = false;

const say = (line) => process.stderr.write(`[start] ${line}\n`);

/**
 * The children must not outlive this script, however it ends. A supervisor or CI stops it with SIGTERM
 * to its process group and SIGKILL a few seconds later; the children, in groups of their own (below),
 * get neither, and a SIGKILLed script cannot stop them. So a watchdog shell, in a group of its own too,
 * reads the children's group ids from a pipe; the pipe closes when this script exits, however that
 * happens, and the watchdog then sends SIGTERM to every group still alive and SIGKILL 5 s later.
 * After a normal stop there is nothing left and it exits at once.
 */
const WATCHDOG = `
groups=''
while read -r pid; do groups="$groups $pid"; done
alive() { for g in $groups; do kill -0 "-$g" 2>/dev/null && return 0; done; return 1; }
alive || exit 0
for g in $groups; do kill -TERM "-$g" 2>/dev/null; done
i=0
while [ $i -lt 50 ] && alive; do sleep 0.1; i=$((i + 1)); done
for g in $groups; do kill -KILL "-$g" 2>/dev/null; done
exit 0`;
const watchdog = spawn('sh', ['-c', WATCHDOG], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
watchdog.unref();
watchdog.stdin.on('error', () => undefined); // it is gone only if killed on purpose

function start(name, command, args, options = {}) {
  // Own process group: a terminal's Ctrl-C reaches only this script, which then stops the children in
  // order (apps before the Redis and S3 they still need while finishing jobs).
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ['ignore', options.pipe ? 'pipe' : 'ignore', 'inherit'] });
  if (child.pid) watchdog.stdin.write(`${child.pid}\n`);
  const entry = { name, child, exited: new Promise((r) => child.once('exit', (code, signal) => r({ code, signal }))) };
  children.push(entry);
  child.once('error', (err) => {
    if (err.code === 'ENOENT') say(`${command} was not found. ${options.missingHint ?? ''}`);
    else say(`${name} could not start: ${err.message}`);
    void stopAll(1);
  });
  void entry.exited.then(({ code, signal }) => {
    if (stopping) return;
    say(`${name} exited unexpectedly (code ${code}, signal ${signal}); stopping everything.`);
    void stopAll(1);
  });
  return entry;
}

async function waitForPort(port, what) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        r(true);
      });
      socket.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not open port ${port}`);
}

/** Forwards an app's JSON log lines and resolves with the URL of its "listening at" line. */
function readyUrl(entry) {
  return new Promise((resolveUrl, reject) => {
    createInterface({ input: entry.child.stdout }).on('line', (line) => {
      process.stdout.write(`${line}\n`);
      const match = /listening at (https?:\/\/[^\s"]+)/.exec(line);
      if (match) resolveUrl(match[1]);
    });
    void entry.exited.then(() => reject(new Error(`${entry.name} exited before it was ready`)));
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  start('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--save', ''], {
    missingHint: 'Install Redis (`apt-get install redis-server`, `brew install redis`, or `docker compose up -d redis` and set REDIS_URL=redis://127.0.0.1:6379).',
  });
  await waitForPort(port, 'redis-server');
  env.REDIS_URL = `redis://127.0.0.1:${port}`;
  say(`redis-server on ${env.REDIS_URL} (data in .data/redis)`);
}

async function startS3() {
  const port = await freePort();
  const dir = join(dataDir, 's3');
  mkdirSync(dir, { recursive: true });
  env.UPLOAD_BUCKET ??= 'vadfleet-uploads';
  env.RESULTS_BUCKET ??= 'vadfleet-results';
  const s3rver = join(root, 'node_modules', 's3rver', 'bin', 's3rver.js');
  start('s3rver', process.execPath, [...manifestNodeFlags('package.json', 's3rverNodeFlags'), s3rver, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--configure-bucket', env.UPLOAD_BUCKET, '--configure-bucket', env.RESULTS_BUCKET]);
  await waitForPort(port, 's3rver');
  Object.assign(env, { S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_REGION: env.S3_REGION ?? 'us-east-1' });
  say(`s3rver on ${env.S3_ENDPOINT} (data in .data/s3)`);
}

const MODEL_FILES = ['model.onnx', 'am.mvn', 'config.yaml'];
const hasModel = (dir) => MODEL_FILES.every((f) => existsSync(join(dir, f)));

/** VAD_MODEL_DIR if set; else the clone's models/fsmn-vad, or ../shared's copy beside the clone; else a download into models/. */
async function ensureModel() {
  const beside = resolve(root, '..', 'shared', 'models', 'fsmn-vad');
  const own = resolve(root, 'models', 'fsmn-vad');
  const dir = env.VAD_MODEL_DIR ? resolve(root, env.VAD_MODEL_DIR) : !hasModel(own) && hasModel(beside) ? beside : own;
  env.VAD_MODEL_DIR = dir;
  if (hasModel(dir)) return say(`model: ${dir}`);
  say(`The FSMN-VAD model is not in ${dir}; downloading it (npm run model:fetch) ...`);
  const fetcher = join(root, 'packages', 'vad-core', 'dist', 'cli', 'model-fetch.js');
  const { code } = await new Promise((r) => {
    const child = spawn(process.execPath, [fetcher, '--dir', dir], { cwd: root, env, stdio: 'inherit' });
    child.once('exit', (c) => r({ code: c }));
    child.once('error', () => r({ code: 1 }));
  });
  if (code !== 0) {
    say(`The model download failed. Offline? Copy the model files (model.onnx, am.mvn, config.yaml) into ${dir},`);
    say('or point at a copy: VAD_MODEL_DIR=/path/to/fsmn-vad npm start');
    throw new Error('model missing');
  }
}

function ensureApiKey() {
  if (env.API_KEYS) return undefined;
  const file = join(dataDir, 'api-key');
  const key = existsSync(file) ? readFileSync(file, 'utf8').trim() : `vf_${randomBytes(24).toString('base64url')}`;
  if (!existsSync(file)) writeFileSync(file, `${key}\n`, { mode: 0o600 });
  env.API_KEYS = `${key}:default`;
  return key;
}

async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  say('stopping ...');
  for (const entry of [...children].reverse()) {
    if (entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill('SIGTERM');
    await entry.exited;
  }
  process.exit(exitCode);
}
process.once('SIGINT', () => void stopAll(0));
process.once('exit', () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
process.once('SIGTERM', () => void stopAll(0));
// `npm start` runs this under `sh -c`, which does not pass on a SIGTERM sent to npm: when the parent
// goes away (this process is re-parented), stop as if signalled.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && void stopAll(0), 1000).unref();

try {
  mkdirSync(dataDir, { recursive: true });
  await ensureModel();
  if (!env.REDIS_URL) await startRedis();
  const embeddedS3 = !env.S3_ENDPOINT;
  if (embeddedS3) await startS3();
  const generatedKey = ensureApiKey();
  env.PORT ??= '8080';
  env.METRICS_PORT ??= '9091';

  const api = start('api', process.execPath, [...manifestNodeFlags('apps/api/package.json', 'nodeFlags'), join('apps', 'api', 'dist', 'main.js')], { pipe: true });
  const apiUrl = await readyUrl(api);
  const worker = start('worker', process.execPath, [...manifestNodeFlags('apps/worker/package.json', 'nodeFlags'), join('apps', 'worker', 'dist', 'main.js')], { pipe: true });
  const workerMetricsUrl = await readyUrl(worker);

  const key = generatedKey ?? '<one of your API_KEYS>';
  const tenant = generatedKey ? 'default' : '<your tenant>';
  // The embedded store's account and layout, for putting recordings where a batch may read them.
  const s3Lines = embeddedS3
    ? `
  S3 (embedded)    ${env.S3_ENDPOINT}   access key S3RVER, secret S3RVER, region ${env.S3_REGION}, path-style
  Buckets          uploads s3://${env.UPLOAD_BUCKET}/, results s3://${env.RESULTS_BUCKET}/
  Your S3 prefix   s3://${env.UPLOAD_BUCKET}/${tenant}/   (batches may read the upload bucket only under it; docs/batches.md)`
    : '';
  process.stderr.write(`
vadfleet is running.
  API              ${apiUrl}
  Console          ${apiUrl}/
  API docs         ${apiUrl}/docs
  API metrics      ${apiUrl}/metrics
  Worker metrics   ${workerMetricsUrl}
  API key          ${key}${generatedKey ? `   (tenant "default", kept in ${join(dataDir, 'api-key')})` : ''}${s3Lines}

Submit an audio file, then fetch its status and result:
  curl -s -H "Authorization: Bearer ${key}" -F file=@path/to/audio.wav ${apiUrl}/v1/jobs
  curl -s -H "Authorization: Bearer ${key}" ${apiUrl}/v1/jobs/<id>
  curl -s -H "Authorization: Bearer ${key}" ${apiUrl}/v1/jobs/<id>/result

Ctrl-C stops everything.
`);
} catch (err) {
  say(err.message);
  await stopAll(1);
}
