#!/usr/bin/env node
/**
 * `npm run bench:batch`: one batch of 100 generated 3-minute stereo 8 kHz μ-law calls (agent and customer
 * speech cut from the example at per-call offsets, so no call is served from the result cache) through
 * api + 1 worker on a private redis-server and s3rver, against vad-core alone on the same bytes in the
 * same run. The upload to S3 is staged first, untimed. Prints wall time, audio hours per hour and the
 * ratio. Then the results stream: GET /v1/batches/:id/results of a 5,000-call batch (BENCH_RESULT_CALLS),
 * NDJSON and CSV, in lines per second, for results kept in Redis as items end (this version) against
 * records without them (as earlier versions wrote them: one S3 read per line), in the same run. That
 * batch is seeded through the batch store (records as items end would write them, each with a result
 * JSON of a real 3-minute call of this benchmark; in the S3 layout every record points at one stored copy
 * of it) rather than by running 5,000 detections. Not a test: nothing is asserted. Needs `npm run build`
 * (the npm script does it). BENCH_ONLY=results runs the results phase alone.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Redis } from 'ioredis';
import { Vad } from '@vadfleet/vad-core';
import { computeCallQa } from '@vadfleet/qa-analytics/call-qa';
import { BatchStore } from '@vadfleet/batches/batch-store';
import { DEFAULT_QUEUE_PREFIX } from '@vadfleet/shared/queue';
import { resolveVadParams } from '@vadfleet/shared/vad-params';
import { WAV_FORMAT, wavFile, wavPcm16 } from '@vadfleet/testkit/wav';
import { API_KEY, EXAMPLE, MODEL_DIR, pool, startBenchService } from './bench-common.mjs';

const CALLS = Number(process.env.BENCH_CALLS ?? 100);
const CALL_MS = 180_000;
const THREADS = 2;
const CONCURRENCY = 4;
const RESULT_CALLS = Number(process.env.BENCH_RESULT_CALLS ?? 5000);

const example = wavPcm16(readFileSync(EXAMPLE));

/** 8 kHz samples of the example from sample `offset` (16 kHz), averaging pairs after a 5-tap low-pass. */
function channel8k(offset, frames, gain) {
  const out = new Float64Array(frames);
  const taps = [0.05, 0.25, 0.4, 0.25, 0.05];
  for (let f = 0; f < frames; f++) {
    let acc = 0;
    for (let t = 0; t < 5; t++) acc += taps[t] * example[(offset + 2 * f + t) % example.length];
    out[f] = acc * gain;
  }
  return out;
}

function mulaw(sample) {
  let s = Math.max(-32635, Math.min(32635, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  return ~(sign | (exponent << 4) | ((s >> (exponent + 3)) & 0x0f)) & 0xff;
}

/** Call `i`: a stereo μ-law WAV (format tag 7), agent and customer from different parts of the example. */
function benchCall(i) {
  const frames = (CALL_MS / 1000) * 8000;
  const agent = channel8k((i * 7919 * 16) % example.length, frames, 0.7 + (i % 5) * 0.1);
  const customer = channel8k((i * 7919 * 16 + 35 * 16_000) % example.length, frames, 0.6 + (i % 7) * 0.1);
  const data = Buffer.alloc(frames * 2);
  for (let f = 0; f < frames; f++) {
    data[2 * f] = mulaw(agent[f]);
    data[2 * f + 1] = mulaw(customer[f]);
  }
  return wavFile({ formatTag: WAV_FORMAT.mulaw, channels: 2, sampleRate: 8000, bitsPerSample: 8 }, data);
}

async function benchBatch() {
  const { api, stop } = await startBenchService({
    bucket: 'bench-calls',
    stage: (store) => pool(CALLS, 2, (i) => store.putBytes('bench-calls', `calls/call-${String(i).padStart(4, '0')}.wav`, benchCall(i), 'audio/wav')),
    workerEnv: { INFERENCE_THREADS: String(THREADS), WORKER_CONCURRENCY: String(CONCURRENCY), BATCH_MAX_IN_FLIGHT_PER_TENANT: String(2 * CONCURRENCY) },
  });
  const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
  try {
    const started = performance.now();
    const res = await fetch(`${api.url}/v1/batches`, { method: 'POST', headers, body: JSON.stringify({ input: { s3: { bucket: 'bench-calls', prefix: 'calls/' } } }) });
    if (res.status !== 202) throw new Error(`submit: ${res.status} ${await res.text()}`);
    const { id } = await res.json();
    for (;;) {
      const batch = await (await fetch(`${api.url}/v1/batches/${id}`, { headers })).json();
      if (batch.status !== 'expanding' && batch.status !== 'running') {
        if (batch.counts.completed !== CALLS) throw new Error(`batch ended ${JSON.stringify(batch)}`);
        return { wallMs: performance.now() - started };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await stop();
  }
}

async function benchCore() {
  const files = Array.from({ length: CALLS }, (_, i) => new Uint8Array(benchCall(i)));
  const vad = await Vad.create({ modelDir: MODEL_DIR, threads: THREADS });
  try {
    const started = performance.now();
    await pool(CALLS, CONCURRENCY, (i) => vad.detect(files[i]));
    return { wallMs: performance.now() - started };
  } finally {
    await vad.close();
  }
}

/**
 * Seeds batch `id` of RESULT_CALLS completed calls, each finished as a worker finishes an item; with
 * `keep`, the result JSON is kept beside the record (this version), else only its S3 reference is.
 */
async function seedResults(batches, id, resultJson, ref, keep) {
  const spec = { source: { bucket: 'bench-calls', prefix: 'calls/' }, params: resolveVadParams(), roles: { 0: 'agent', 1: 'customer' }, output: { bucket: ref.bucket, prefix: 'results' } };
  await batches.create(id, 'bench', spec);
  for (let from = 0; from < RESULT_CALLS; from += 1000) {
    const objects = Array.from({ length: Math.min(1000, RESULT_CALLS - from) }, (_, i) => ({ key: `calls/call-${String(from + i).padStart(5, '0')}.wav`, size: 2_880_044 }));
    await batches.appendPage(await batches.get(id), from, objects, 0, from + 1000 >= RESULT_CALLS ? null : String(from + 1000));
  }
  const items = await batches.feed(RESULT_CALLS, RESULT_CALLS);
  await pool(items.length, 32, (i) => batches.finishItem('bench', items[i].itemId, { outcome: 'completed', result: ref, durationMs: CALL_MS }, keep ? resultJson : undefined));
}

/** Lines per second of the batch's results, NDJSON and CSV, through the API. */
async function streamRates(api, id) {
  const headers = { authorization: `Bearer ${API_KEY}` };
  const out = {};
  for (const format of ['ndjson', 'csv']) {
    const started = performance.now();
    const res = await fetch(`${api.url}/v1/batches/${id}/results?format=${format}`, { headers });
    if (res.status !== 200) throw new Error(`results: ${res.status} ${await res.text()}`);
    const lines = (await res.text()).split('\n').filter(Boolean).length - (format === 'csv' ? 1 : 0);
    if (lines !== RESULT_CALLS) throw new Error(`results: ${lines} lines, expected ${RESULT_CALLS}`);
    out[format] = lines / ((performance.now() - started) / 1000);
  }
  return out;
}

async function benchResults() {
  const vad = await Vad.create({ modelDir: MODEL_DIR, threads: THREADS });
  let document;
  try {
    const result = await vad.detect(new Uint8Array(benchCall(0)));
    document = { ...result, qa: computeCallQa({ channels: result.channels.map((c) => c.segments), durationMs: result.durationMs, roles: { 0: 'agent', 1: 'customer' } }), jobId: 'bench-0', input: { bucket: 'bench-calls', key: 'calls/call-00000.wav' }, cached: false };
  } finally {
    await vad.close();
  }
  const resultJson = JSON.stringify(document);
  const ref = { bucket: 'bench-calls', key: 'results/bench/call.json' };
  const { api, redisUrl, stop } = await startBenchService({ bucket: 'bench-calls', stage: (s) => s.putBytes(ref.bucket, ref.key, Buffer.from(resultJson), 'application/json'), workerEnv: null });
  const redis = new Redis(redisUrl);
  try {
    const batches = new BatchStore(redis, DEFAULT_QUEUE_PREFIX);
    process.stderr.write(`seeding two batches of ${RESULT_CALLS} completed calls through the batch store…\n`);
    await seedResults(batches, 'results-in-s3', resultJson, ref, false);
    await seedResults(batches, 'results-in-redis', resultJson, ref, true);
    process.stderr.write('streaming their results…\n');
    const kept = await streamRates(api, 'results-in-redis');
    process.stderr.write(`kept in Redis: ${JSON.stringify(kept)}\n`);
    const s3 = await streamRates(api, 'results-in-s3');
    return { s3, kept, resultBytes: resultJson.length };
  } finally {
    redis.disconnect();
    await stop();
  }
}

const audioHours = (CALLS * CALL_MS) / 3_600_000;
const onlyResults = process.env.BENCH_ONLY === 'results';
if (!onlyResults) {
process.stderr.write(`${CALLS} stereo 8 kHz μ-law calls × ${CALL_MS / 60000} min (${audioHours.toFixed(1)} h of calls), ${THREADS} inference threads, ${CONCURRENCY} jobs at once, ${availableParallelism()} cores\n`);
const core = await benchCore();
process.stderr.write(`vad-core alone: ${(core.wallMs / 1000).toFixed(1)} s\n`);
const batch = await benchBatch();
const rate = (wallMs) => audioHours / (wallMs / 3_600_000);
const fmt = (n) => n.toFixed(1);
console.log(`
| path                             | wall time | audio h / h |
|----------------------------------|-----------|-------------|
| vad-core alone                   | ${`${fmt(core.wallMs / 1000)} s`.padStart(9)} | ${fmt(rate(core.wallMs)).padStart(11)} |
| batch: api + worker (S3, Redis)  | ${`${fmt(batch.wallMs / 1000)} s`.padStart(9)} | ${fmt(rate(batch.wallMs)).padStart(11)} |

batch / vad-core throughput: ${(core.wallMs / batch.wallMs).toFixed(3)} (target: the batch under 60 s)`);
}

const results = await benchResults();
const perSecond = (n) => `${Math.round(n)}`.padStart(8);
console.log(`
Results stream of a ${RESULT_CALLS}-call batch (result JSON ${results.resultBytes} B per call), lines/s through GET /v1/batches/:id/results:

| results read from                        |   NDJSON |      CSV |
|------------------------------------------|----------|----------|
| S3, one read per line (earlier versions) | ${perSecond(results.s3.ndjson)} | ${perSecond(results.s3.csv)} |
| Redis, kept as items end                 | ${perSecond(results.kept.ndjson)} | ${perSecond(results.kept.csv)} |

speed-up: NDJSON ${(results.kept.ndjson / results.s3.ndjson).toFixed(1)}×, CSV ${(results.kept.csv / results.s3.csv).toFixed(1)}× (target: ≥ 5,000 lines/s)`);
