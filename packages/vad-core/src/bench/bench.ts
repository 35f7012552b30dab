/**
 * `npm run bench`: speed and memory of the whole pipeline on vad_example.wav and on a generated
 * 60-minute WAV (the example concatenated with gain and polarity changes, written to a temp dir and
 * deleted afterwards). Prints markdown tables; asserts nothing.
 *
 * Every configuration runs in its own child process, so each peak RSS (`process.resourceUsage().maxRSS`)
 * is that configuration's alone:
 *   - stages: one thread, the pipeline's own pieces (3000 frames + 76 of context) stage by stage —
 *     decode, resample (an 8 kHz variant of the example), fbank, LFR+CMVN, the model alone (the ONNX
 *     session over precomputed features, one intra-op thread), post-processing;
 *   - pipeline: `Vad.create({ threads })` + `vad.detect(path)`, wall time and the library's own timings,
 *     each run followed by a model-alone pass in the same process for the wall / model-alone ratio.
 *
 * Then Silero (silero-bench.ts): 100 stereo 8 kHz μ-law calls against sherpa-onnx-node, and the long file.
 *
 * Flags: --model-dir DIR (else VAD_MODEL_DIR, else <repo>/models/fsmn-vad, else ../shared beside the
 * repo), --audio WAV (16 kHz mono PCM16; default the example), --minutes N (default 60), --runs N (best
 * of N on the example, default 10; the long file runs once), --calls N (Silero's calls, default 100).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { StreamingResampler, openAudio } from '../audio/index.js';
import { toByteStream } from '../audio-source.js';
import { parseCmvn } from '../features/cmvn.js';
import { FRAME_SHIFT, Fbank, NUM_MEL_BINS, frameCount } from '../features/fbank.js';
import { LFR_RADIUS, modelStartFor } from '../features/front-end.js';
import { LfrCmvn } from '../features/lfr-cmvn.js';
import { loadModelFiles, resolveModelDir } from '../model/model-files.js';
import { FEATURE_DIM, type VadSession, createSession } from '../model/session.js';
import { PieceCutter } from '../piece-cutter.js';
import { type PostConfig, Segmenter, applyParams } from '@vadfleet/vad-postprocess';
import { resolveVadParams } from '@vadfleet/shared/vad-params';
import type { PieceTask } from '../types.js';
import { Vad, type Timings } from '../vad.js';
import { sileroBench } from './silero-bench.js';

const PIECE_FRAMES = 3000;
const SAMPLE_RATE = 16_000;
const OPEN_OPTIONS = { maxChannels: 8, maxDurationMs: 4 * 3600 * 1000 };

interface StageTimes {
  decodeMs: number;
  resampleMs: number;
  fbankMs: number;
  lfrCmvnMs: number;
  modelMs: number;
  postMs: number;
}
interface StagesReport {
  kind: 'stages';
  audioSeconds: number;
  times: StageTimes;
}
interface PipelineReport {
  kind: 'pipeline';
  audioSeconds: number;
  wallMs: number;
  timings: Timings;
  maxRssMb: number;
  /** The model alone over the same pieces, in the same process, interleaved with the pipeline runs. */
  modelAloneMs: number;
}
type ChildJob =
  | { kind: 'stages'; path: string; path8k?: string; modelDir: string; runs: number }
  | { kind: 'pipeline'; path: string; warmPath: string; modelDir: string; threads: number; runs: number };

// ---------- children: the stages one by one, and the library end to end ----------

/** The model, front end and state machine of one child, run piece by piece with each stage timed. */
class StageRunner {
  private rows = new Float64Array(0);
  private input = new Float32Array(0);

  private constructor(
    private readonly session: VadSession,
    private readonly fbank: Fbank,
    private readonly lfrCmvn: LfrCmvn,
    private readonly postConfig: PostConfig,
  ) {}

  static async create(modelDir: string): Promise<StageRunner> {
    const files = await loadModelFiles(modelDir);
    const session = await createSession({ modelPath: files.modelPath, provider: 'cpu', intraOpThreads: 1, silPdfIds: files.postConfig.silPdfIds });
    const postConfig = applyParams(files.postConfig, resolveVadParams());
    return new StageRunner(session, new Fbank(), new LfrCmvn(parseCmvn(files.amMvnText)), postConfig);
  }

  /** Decodes `path` and runs its pieces (cut as the pipeline cuts them) through every stage; returns its seconds. */
  async run(path: string, times: StageTimes): Promise<number> {
    const cutter = new PieceCutter(PIECE_FRAMES, false);
    const segmenter = new Segmenter(this.postConfig);
    let t0 = performance.now();
    const audio = await openAudio(await toByteStream(path), OPEN_OPTIONS);
    for await (const block of audio.blocks) {
      times.decodeMs += performance.now() - t0;
      for (const task of cutter.push(block[0])) await this.piece(task, false, segmenter, times);
      t0 = performance.now();
    }
    times.decodeMs += performance.now() - t0;
    const last = cutter.finish();
    if (last) await this.piece(last, true, segmenter, times);
    return cutter.samplesSeen / SAMPLE_RATE;
  }

  private async piece(task: PieceTask, final: boolean, segmenter: Segmenter, times: StageTimes): Promise<void> {
    // The row range FrontEnd.computeModelInput uses (spec §5.1, §6.3).
    const modelStart = modelStartFor(task.keepFrom);
    const lastRow = task.fbankStart + frameCount(task.samples.length) - 1;
    const rowFrom = Math.max(0, modelStart - LFR_RADIUS);
    const rowCount = Math.min(lastRow, task.keepTo - 1 + LFR_RADIUS) - rowFrom + 1;
    const frames = task.keepTo - modelStart;
    if (this.rows.length < rowCount * NUM_MEL_BINS) this.rows = new Float64Array(rowCount * NUM_MEL_BINS);
    if (this.input.length < frames * FEATURE_DIM) this.input = new Float32Array(frames * FEATURE_DIM);

    let t0 = performance.now();
    this.fbank.computeFrames(task.samples, (rowFrom - task.fbankStart) * FRAME_SHIFT, rowCount, this.rows, 0);
    let t1 = performance.now();
    times.fbankMs += t1 - t0;
    this.lfrCmvn.stack(this.rows, rowFrom, rowCount, lastRow, modelStart, frames, this.input);
    t0 = performance.now();
    times.lfrCmvnMs += t0 - t1;
    const silence = await this.session.run(this.input.subarray(0, frames * FEATURE_DIM), frames);
    t1 = performance.now();
    times.modelMs += t1 - t0;
    const kept = task.keepTo - task.keepFrom;
    for (let i = 0; i < kept; i++) segmenter.push(silence[task.keepFrom - modelStart + i], 0, final && i === kept - 1);
    segmenter.takeClosed(final);
    times.postMs += performance.now() - t1;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

const noTimes = (): StageTimes => ({ decodeMs: 0, resampleMs: 0, fbankMs: 0, lfrCmvnMs: 0, modelMs: 0, postMs: 0 });

/** The 8 kHz variant's raw samples through the resampler alone, fed in 100 ms blocks as the decoders do. */
function resampleMs(path8k: string): number {
  const input = Float32Array.from(readPcm16(path8k).samples);
  const resampler = new StreamingResampler(8000);
  const started = performance.now();
  for (let at = 0; at < input.length; at += 800) resampler.push(input.subarray(at, at + 800));
  resampler.flush();
  return performance.now() - started;
}

async function runStages(job: Extract<ChildJob, { kind: 'stages' }>): Promise<StagesReport> {
  const runner = await StageRunner.create(job.modelDir);
  let best: StageTimes | undefined;
  let audioSeconds = 0;
  for (let run = 0; run < job.runs; run++) {
    const times = noTimes();
    audioSeconds = await runner.run(job.path, times);
    if (job.path8k) times.resampleMs = resampleMs(job.path8k);
    if (!best) best = times;
    else for (const key of Object.keys(times) as (keyof StageTimes)[]) best[key] = Math.min(best[key], times[key]);
  }
  await runner.release();
  return { kind: 'stages', audioSeconds, times: best! };
}

/**
 * `runs` calls of `vad.detect`, each followed by a model-alone pass over the same pieces in this process
 * (so both see the same machine load); the peak RSS is read before the model-alone passes add their own.
 */
async function runPipeline(job: Extract<ChildJob, { kind: 'pipeline' }>): Promise<PipelineReport> {
  const vad = await Vad.create({ modelDir: job.modelDir, threads: job.threads });
  let runner: StageRunner | undefined;
  try {
    await vad.detect(job.warmPath);
    let best: PipelineReport | undefined;
    let modelAloneMs = Infinity;
    for (let run = 0; run < job.runs; run++) {
      const started = performance.now();
      const result = await vad.detect(job.path);
      const wallMs = performance.now() - started;
      const maxRssMb = best?.maxRssMb ?? process.resourceUsage().maxRSS / 1024;
      if (!best || wallMs < best.wallMs) {
        best = { kind: 'pipeline', audioSeconds: result.durationMs / 1000, wallMs, timings: result.timings, maxRssMb, modelAloneMs: 0 };
      }
      runner ??= await StageRunner.create(job.modelDir);
      const times = noTimes();
      await runner.run(job.path, times);
      modelAloneMs = Math.min(modelAloneMs, times.modelMs);
    }
    best!.modelAloneMs = modelAloneMs;
    return best!;
  } finally {
    await runner?.release();
    await vad.close();
  }
}

// ---------- parent: test audio, child processes, tables ----------

function readPcm16(path: string): { sampleRate: number; samples: Int16Array } {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error(`${path} is not a WAV file`);
  let p = 12;
  let sampleRate = 0;
  while (p + 8 <= buf.length) {
    const id = buf.toString('latin1', p, p + 4);
    const size = buf.readUInt32LE(p + 4);
    if (id === 'fmt ') {
      if (buf.readUInt16LE(p + 8) !== 1 || buf.readUInt16LE(p + 10) !== 1 || buf.readUInt16LE(p + 22) !== 16) throw new Error(`${path} must be mono PCM16`);
      sampleRate = buf.readUInt32LE(p + 12);
    }
    if (id === 'data') {
      const data = buf.subarray(p + 8, p + 8 + size);
      return { sampleRate, samples: new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + (data.length & ~1))) };
    }
    p += 8 + size + (size & 1);
  }
  throw new Error(`${path} has no data chunk`);
}

function wavHeader(sampleRate: number, samples: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + samples * 2, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(samples * 2, 40);
  return h;
}

/** `minutes` of 16 kHz audio: the example over and over, each copy with its own gain (0.5–1.2) and polarity. */
function writeLongWav(path: string, example: Int16Array, minutes: number): void {
  const total = Math.round(minutes * 60 * SAMPLE_RATE);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, wavHeader(SAMPLE_RATE, total));
    const copy = new Int16Array(example.length);
    for (let written = 0, k = 0; written < total; k++) {
      const gain = (0.5 + 0.7 * (((k * 7) % 11) / 10)) * (k % 2 === 0 ? 1 : -1);
      const n = Math.min(example.length, total - written);
      for (let i = 0; i < n; i++) copy[i] = Math.max(-32768, Math.min(32767, Math.round(example[i] * gain)));
      writeSync(fd, new Uint8Array(copy.buffer, 0, n * 2));
      written += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** The example at 8 kHz (pairs averaged: a crude low-pass is enough to exercise the resampler). */
function write8kWav(path: string, example: Int16Array): void {
  const n = example.length >> 1;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round((example[2 * i] + example[2 * i + 1]) / 2);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, wavHeader(8000, n));
    writeSync(fd, new Uint8Array(out.buffer));
  } finally {
    closeSync(fd);
  }
}

function runChild<T>(job: ChildJob): T {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

function defaultModelDir(flag: string | undefined): string {
  if (flag || process.env.VAD_MODEL_DIR) return resolveModelDir(flag, process.env.VAD_MODEL_DIR);
  const inRepo = resolveModelDir();
  return existsSync(inRepo) ? inRepo : fileURLToPath(new URL('../../../../../shared/models/fsmn-vad', import.meta.url));
}

const ms = (v: number): string => (v >= 1000 ? v.toFixed(0) : v.toFixed(1));
const rtf = (v: number, seconds: number): string => (v / 1000 / seconds).toFixed(5);

function stageTable(example: StagesReport, long: StagesReport): string[] {
  const rows: [string, keyof StageTimes | 'front' | 'total'][] = [
    ['decode (WAV → 16 kHz float blocks)', 'decodeMs'],
    ['resample (8 kHz variant of the example; 0 for 16 kHz input)', 'resampleMs'],
    ['fbank (WASM SIMD, float64)', 'fbankMs'],
    ['LFR + CMVN', 'lfrCmvnMs'],
    ['model alone (ONNX, 1 thread)', 'modelMs'],
    ['post-processing (state machine)', 'postMs'],
    ['front end = decode + fbank + LFR/CMVN', 'front'],
    ['sum of stages', 'total'],
  ];
  const value = (r: StagesReport, key: (typeof rows)[number][1]): number => {
    const t = r.times;
    if (key === 'front') return t.decodeMs + t.fbankMs + t.lfrCmvnMs;
    if (key === 'total') return t.decodeMs + t.resampleMs + t.fbankMs + t.lfrCmvnMs + t.modelMs + t.postMs;
    return t[key];
  };
  const lines = [
    `| stage (one thread) | example ${example.audioSeconds.toFixed(2)} s: ms | RTF | ${(long.audioSeconds / 60).toFixed(0)} min: ms | RTF |`,
    '|---|---:|---:|---:|---:|',
  ];
  for (const [label, key] of rows) {
    lines.push(`| ${label} | ${ms(value(example, key))} | ${rtf(value(example, key), example.audioSeconds)} | ${ms(value(long, key))} | ${rtf(value(long, key), long.audioSeconds)} |`);
  }
  const ratio = (r: StagesReport) => (value(r, 'front') / r.times.modelMs).toFixed(2);
  lines.push(`| front end / model alone | ${ratio(example)} | | ${ratio(long)} | |`);
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      'model-dir': { type: 'string' },
      audio: { type: 'string' },
      minutes: { type: 'string', default: '60' },
      runs: { type: 'string', default: '10' },
      calls: { type: 'string', default: '100' },
    },
  });
  if (values.child) {
    const job = JSON.parse(values.child) as ChildJob;
    const report = job.kind === 'stages' ? await runStages(job) : await runPipeline(job);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }

  const modelDir = defaultModelDir(values['model-dir']);
  const examplePath = values.audio ?? fileURLToPath(new URL('../../../../../shared/audio/vad_example.wav', import.meta.url));
  const minutes = Number(values.minutes);
  const runs = Number(values.runs);
  const example = readPcm16(examplePath);
  if (example.sampleRate !== SAMPLE_RATE) throw new Error(`${examplePath} must be 16 kHz`);
  const dir = mkdtempSync(join(tmpdir(), 'vad-bench-'));
  try {
    const longPath = join(dir, `long-${minutes}min.wav`);
    const path8k = join(dir, 'example-8k.wav');
    writeLongWav(longPath, example.samples, minutes);
    write8kWav(path8k, example.samples);

    const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
    console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, model ${modelDir}, load average ${load()} at start`);
    const stagesExample = runChild<StagesReport>({ kind: 'stages', path: examplePath, path8k, modelDir, runs });
    const stagesLong = runChild<StagesReport>({ kind: 'stages', path: longPath, modelDir, runs: 1 });
    const pipe = (path: string, threads: number, n: number) =>
      runChild<PipelineReport>({ kind: 'pipeline', path, warmPath: examplePath, modelDir, threads, runs: n });
    const exampleT1 = pipe(examplePath, 1, runs);
    const example8kT1 = pipe(path8k, 1, runs);
    const longT1 = pipe(longPath, 1, 1);
    const longT2 = pipe(longPath, 2, 1);

    console.log('\nStages, one thread, the pipeline\'s 3000-frame pieces (best of runs on the example; the long file once):\n');
    console.log(stageTable(stagesExample, stagesLong).join('\n'));

    console.log('\nPipeline, `vad.detect(path)`, each configuration in its own process (features/model: summed thread time):\n');
    console.log('| configuration | audio s | wall ms | RTF | decode | features | model | post | peak RSS MB | model alone ms | wall / model alone | wall / 1-thread wall |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const line = (label: string, r: PipelineReport, base?: PipelineReport) =>
      console.log(
        `| ${label} | ${r.audioSeconds.toFixed(1)} | ${ms(r.wallMs)} | ${rtf(r.wallMs, r.audioSeconds)} | ${ms(r.timings.decodeMs)} | ${ms(r.timings.featuresMs)} | ${ms(r.timings.modelMs)} | ${ms(r.timings.postprocessMs)} | ${r.maxRssMb.toFixed(0)} | ${ms(r.modelAloneMs)} | ${(r.wallMs / r.modelAloneMs).toFixed(2)} | ${base ? (r.wallMs / base.wallMs).toFixed(2) : '–'} |`,
      );
    line('example, threads 1', exampleT1);
    line('example at 8 kHz, threads 1', example8kT1);
    line(`${minutes} min, threads 1`, longT1);
    line(`${minutes} min, threads 2`, longT2, longT1);
    console.log(`\nPeak RSS, ${minutes} min vs example (threads 1): ${longT1.maxRssMb.toFixed(0)} MB vs ${exampleT1.maxRssMb.toFixed(0)} MB (${longT1.maxRssMb >= exampleT1.maxRssMb ? '+' : '−'}${Math.abs(longT1.maxRssMb - exampleT1.maxRssMb).toFixed(0)} MB).`);
    sileroBench({ dir, examplePath, longPath, minutes, calls: Number(values.calls), fsmnLong: longT1 });
    console.log(`Load average ${load()} at the end (other processes on the machine inflate every figure).`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
