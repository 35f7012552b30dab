/**
 * Silero part of `npm run bench`: the pipeline's throughput on 100 three-minute stereo 8 kHz μ-law calls
 * against sherpa-onnx-node's Silero VAD with the same weights file, one inference thread each, in the same
 * run; and Silero on the 60-minute file (RTF, peak RSS). Each configuration runs in its own child process
 * (this file with --child), so each peak RSS is its own. Asserts nothing.
 *
 * sherpa-onnx (1.13.8) runs Silero v5+ at 16 kHz only (8 kHz aborts the process: "Expected sample rate
 * 16000"), so its calls are upsampled by the pipeline's own resampler first; the Silero pipeline is shown
 * both natively at 8 kHz and on the same upsampled input.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openAudio } from '../audio/index.js';
import { toByteStream } from '../audio-source.js';
import { InferencePool } from '../inference/inference-pool.js';
import { SILERO_NATIVE_RATES, detectSilero } from '../models/silero/detect-silero.js';
import { SILERO_DEFAULTS, negThresholdOf } from '../models/silero/params.js';
import { sileroWeightsPath } from '../models/silero/weights.js';
import { writeWav } from './telephone-wav.js';

const OPEN_OPTIONS = { maxChannels: 8, maxDurationMs: 4 * 3600 * 1000 };
/** Calls in flight at once in the Silero pipeline: 2 streams each, so up to 64 rows per model call. */
const CALLS_IN_FLIGHT = 32;
const MAX_BATCH = 64;

export interface CallsReport {
  label: string;
  audioSeconds: number;
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  segments: number;
}

type Job =
  | { kind: 'silero-calls'; files: string[]; native: boolean }
  | { kind: 'sherpa-calls'; files: string[] }
  | { kind: 'silero-long'; path: string };

// ---------- children ----------

async function sileroCalls(files: string[], native: boolean): Promise<CallsReport> {
  const pool = await InferencePool.createSilero({ threads: 1, maxBatch: MAX_BATCH });
  const nativeRates = native ? SILERO_NATIVE_RATES : undefined;
  const one = async (path: string) => detectSilero(pool, await openAudio(await toByteStream(path), { ...OPEN_OPTIONS, nativeRates }), SILERO_DEFAULTS);
  try {
    await one(files[0]); // warm-up: thread start, session, JIT
    const cpu = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    let audioSeconds = 0;
    let segments = 0;
    await Promise.all(
      Array.from({ length: CALLS_IN_FLIGHT }, async () => {
        while (next < files.length) {
          const r = await one(files[next++]);
          audioSeconds += r.samples / r.rate;
          segments += r.channels.reduce((n, c) => n + c.segments.length, 0);
        }
      }),
    );
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const label = native ? 'vadfleet Silero, 8 kHz native' : 'vadfleet Silero, upsampled to 16 kHz';
    return { label, audioSeconds, wallMs, cpuMs: (used.user + used.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, segments };
  } finally {
    await pool.close();
  }
}

interface SherpaVad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  front(external: boolean): { start: number; samples: Float32Array };
  pop(): void;
  flush(): void;
  reset(): void;
}

/** Same decoding and resampling as the pipeline, then one sherpa-onnx VAD per channel (1 thread), windows of 512. */
async function sherpaCalls(files: string[]): Promise<CallsReport> {
  const sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as { Vad: new (config: object, bufferSeconds: number) => SherpaVad };
  const config = {
    sileroVad: {
      model: sileroWeightsPath(),
      threshold: SILERO_DEFAULTS.threshold,
      minSilenceDuration: SILERO_DEFAULTS.minSilenceMs / 1000,
      minSpeechDuration: SILERO_DEFAULTS.minSpeechMs / 1000,
      windowSize: 512,
      maxSpeechDuration: 1e6,
    },
    sampleRate: 16000,
    numThreads: 1,
    provider: 'cpu',
    debug: false,
  };
  const vads = [new sherpa.Vad(config, 600), new sherpa.Vad(config, 600)];
  const window = new Float32Array(512);
  let segments = 0;
  const one = async (path: string): Promise<number> => {
    const audio = await openAudio(await toByteStream(path), OPEN_OPTIONS);
    const filled = [0, 0];
    let samples = 0;
    const drain = (vad: SherpaVad) => {
      while (!vad.isEmpty()) {
        vad.front(true);
        vad.pop();
        segments++;
      }
    };
    for await (const block of audio.blocks) {
      samples += block[0].length;
      for (let c = 0; c < block.length; c++) {
        const x = block[c];
        const vad = vads[c];
        // Whole windows, as sherpa's examples feed it; float in [−1, 1).
        for (let i = 0; i < x.length; i++) {
          window[filled[c]++] = x[i] / 32768;
          if (filled[c] === 512) {
            vad.acceptWaveform(window);
            filled[c] = 0;
            drain(vad);
          }
        }
      }
    }
    for (let c = 0; c < audio.info.channels; c++) {
      if (filled[c] > 0) vads[c].acceptWaveform(window.subarray(0, filled[c]));
      vads[c].flush();
      drain(vads[c]);
      vads[c].reset();
    }
    return samples / 16000;
  };
  await one(files[0]);
  segments = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let audioSeconds = 0;
  for (const f of files) audioSeconds += await one(f);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { label: 'sherpa-onnx-node 1.13.8 Silero, 16 kHz (upsampled)', audioSeconds, wallMs, cpuMs: (used.user + used.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, segments };
}

async function sileroLong(path: string): Promise<CallsReport> {
  const pool = await InferencePool.createSilero({ threads: 1, maxBatch: MAX_BATCH });
  try {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const r = await detectSilero(pool, await openAudio(await toByteStream(path), { ...OPEN_OPTIONS, nativeRates: SILERO_NATIVE_RATES }), SILERO_DEFAULTS);
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { label: 'Silero', audioSeconds: r.samples / r.rate, wallMs, cpuMs: (used.user + used.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, segments: r.channels[0].segments.length };
  } finally {
    await pool.close();
  }
}

// ---------- parent ----------

/** 8 kHz copy of the example (pairs averaged: crude, enough for a speed test). */
function example8k(example: Int16Array): Float32Array {
  const out = new Float32Array(example.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (example[2 * i] + example[2 * i + 1]) / 2;
  return out;
}

/**
 * `count` stereo 8 kHz μ-law calls of `minutes`: each channel is the example looped from its own offset,
 * with its own gain, and the two sides take turns (each silent while the other speaks, 20 s turns).
 */
export function writeCalls(dir: string, example: Int16Array, count: number, minutes: number): string[] {
  mkdirSync(dir, { recursive: true });
  const source = example8k(example);
  const n = Math.round(minutes * 60 * 8000);
  const files: string[] = [];
  for (let k = 0; k < count; k++) {
    const channels = [0, 1].map((side) => {
      const out = new Float32Array(n);
      const offset = (k * 104_729 + side * 1_299_709) % source.length;
      const gain = 0.4 + 0.6 * (((k * 3 + side * 5) % 7) / 6);
      for (let i = 0; i < n; i++) {
        const turn = Math.floor(i / (20 * 8000)) % 2;
        out[i] = turn === side ? source[(offset + i) % source.length] * gain : 0;
      }
      return out;
    });
    const path = join(dir, `call-${String(k).padStart(3, '0')}.wav`);
    writeWav(path, channels, 8000, 'mulaw');
    files.push(path);
  }
  return files;
}

function runChild(job: Job): CallsReport {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as CallsReport;
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/**
 * Runs the Silero benchmark and prints its tables; `fsmnLong` is the FSMN pipeline's figures on the same
 * 60-minute file (from bench.ts) for the side-by-side table.
 */
export function sileroBench(options: { dir: string; examplePath: string; longPath: string; minutes: number; calls: number; fsmnLong?: { wallMs: number; audioSeconds: number; maxRssMb: number } }): void {
  const example = Int16Array.from(readPcm16Data(options.examplePath));
  const files = writeCalls(join(options.dir, 'calls'), example, options.calls, 3);
  const native = runChild({ kind: 'silero-calls', files, native: true });
  const sherpa = runChild({ kind: 'sherpa-calls', files });
  const upsampled = runChild({ kind: 'silero-calls', files, native: false });
  const long = runChild({ kind: 'silero-long', path: options.longPath });

  console.log(`\nSilero VAD v6.2 (${sileroWeightsPath().split('/').slice(-3).join('/')}), ${options.calls} stereo 8 kHz μ-law calls of 3 min, one inference thread each (defaults: threshold ${SILERO_DEFAULTS.threshold}, neg ${negThresholdOf(SILERO_DEFAULTS)}):\n`);
  console.log('| pipeline | audio s (per channel) | wall ms | × realtime | CPU ms (all threads) | peak RSS MB | segments | throughput / sherpa |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of [native, upsampled, sherpa]) {
    console.log(`| ${r.label} | ${fmt(r.audioSeconds)} | ${fmt(r.wallMs)} | ${fmt(r.audioSeconds / (r.wallMs / 1000))} | ${fmt(r.cpuMs)} | ${fmt(r.maxRssMb)} | ${r.segments} | ${(sherpa.wallMs / r.wallMs).toFixed(2)} |`);
  }
  console.log(`\n${options.minutes}-minute file (16 kHz mono), one inference thread, the whole pipeline:\n`);
  console.log('| model | wall ms | RTF | peak RSS MB |');
  console.log('|---|---:|---:|---:|');
  if (options.fsmnLong) console.log(`| FSMN | ${fmt(options.fsmnLong.wallMs)} | ${(options.fsmnLong.wallMs / 1000 / options.fsmnLong.audioSeconds).toFixed(5)} | ${fmt(options.fsmnLong.maxRssMb)} |`);
  console.log(`| Silero | ${fmt(long.wallMs)} | ${(long.wallMs / 1000 / long.audioSeconds).toFixed(5)} | ${fmt(long.maxRssMb)} |`);
}

function readPcm16Data(path: string): Int16Array {
  const buf = readFileSync(path);
  for (let p = 12; p + 8 <= buf.length; ) {
    const size = buf.readUInt32LE(p + 4);
    if (buf.toString('latin1', p, p + 4) === 'data') return new Int16Array(buf.buffer.slice(buf.byteOffset + p + 8, buf.byteOffset + p + 8 + (size & ~1)));
    p += 8 + size + (size & 1);
  }
  throw new Error(`${path} has no data chunk`);
}

async function childMain(job: Job): Promise<CallsReport> {
  switch (job.kind) {
    case 'silero-calls':
      return sileroCalls(job.files, job.native);
    case 'sherpa-calls':
      return sherpaCalls(job.files);
    case 'silero-long':
      return sileroLong(job.path);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { child: { type: 'string' } }, strict: false });
  if (typeof values.child === 'string') process.stdout.write(`${JSON.stringify(await childMain(JSON.parse(values.child) as Job))}\n`);
}
