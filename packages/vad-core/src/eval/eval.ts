/**
 * `npm run eval`: builds the evaluation set (eval-set.ts) into `.data/eval/` (git-ignored) on first use,
 * runs FSMN and Silero on every file, channel by channel, and prints micro frame F1 (10 ms frames, 200 ms
 * collar) and false-alarm rates per condition. Silero runs twice on 8 kHz files: natively and resampled to
 * 16 kHz, which is how the 8 kHz path was chosen. Flags: --dir DIR, --model-dir DIR (FSMN).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PRESET_NAMES, type PresetName, resolveVadParams } from '@vadfleet/shared/vad-params';
import type { Segment } from '@vadfleet/vad-postprocess';
import { openAudio } from '../audio/index.js';
import { toByteStream } from '../audio-source.js';
import { InferencePool } from '../inference/inference-pool.js';
import { resolveModelDir } from '../model/model-files.js';
import { SILERO_NATIVE_RATES, detectSilero } from '../models/silero/detect-silero.js';
import { SILERO_DEFAULTS, type SileroParams } from '../models/silero/params.js';
import { speechSegments } from '../models/silero/speech-timestamps.js';
import { Vad } from '../vad.js';
import { buildEvalSet, type EvalFile } from './eval-set.js';
import { type FrameCounts, type Interval, addCounts, f1, falseAlarmRate, frameCounts } from './frame-f1.js';

const COLLAR_MS = 200;
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** Per-file, per-channel segments of one system. */
type Output = Map<string, Segment[][]>;

/** What Silero needs to re-score a file with other parameters without running the model again. */
interface SileroProbs {
  rate: number;
  samples: number;
  window: number;
  probs: Float32Array[];
}

async function runSilero(files: EvalFile[], dir: string, native: boolean): Promise<Map<string, SileroProbs>> {
  const pool = await InferencePool.createSilero({ maxBatch: 8 });
  const out = new Map<string, SileroProbs>();
  try {
    for (const f of files) {
      const audio = await openAudio(await toByteStream(join(dir, f.name)), { maxChannels: 2, maxDurationMs: 3_600_000, nativeRates: native ? SILERO_NATIVE_RATES : undefined });
      const r = await detectSilero(pool, audio, SILERO_DEFAULTS);
      out.set(f.name, { rate: r.rate, samples: r.samples, window: r.rate === 8000 ? 256 : 512, probs: r.channels.map((c) => c.probs) });
    }
  } finally {
    await pool.close();
  }
  return out;
}

function sileroOutput(probs: Map<string, SileroProbs>, params: SileroParams): Output {
  const out: Output = new Map();
  for (const [name, p] of probs) out.set(name, p.probs.map((x) => speechSegments(x, p.samples, p.rate, p.window, params)));
  return out;
}

async function runFsmn(files: EvalFile[], dir: string, modelDir: string, preset?: PresetName): Promise<Output> {
  const vad = await Vad.create({ modelDir });
  const out: Output = new Map();
  try {
    for (const f of files) {
      const r = await vad.detect(join(dir, f.name), { params: resolveVadParams({ preset }) });
      out.set(f.name, r.channels.map((c) => c.segments));
    }
  } finally {
    await vad.close();
  }
  return out;
}

function score(files: EvalFile[], output: Output, condition?: string): FrameCounts {
  let c: FrameCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const f of files) {
    if (condition && f.condition !== condition) continue;
    const segs = output.get(f.name)!;
    f.truth.forEach((truth, ch) => (c = addCounts(c, frameCounts(truth, segs[ch] as Interval[], f.durationMs, COLLAR_MS))));
  }
  return c;
}

const pct = (x: number) => (100 * x).toFixed(1);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, 'model-dir': { type: 'string' } } });
  const dir = values.dir ?? join(REPO, '.data', 'eval');
  const modelDirFlag = values['model-dir'] ?? process.env.VAD_MODEL_DIR;
  const modelDir = modelDirFlag ? resolveModelDir(modelDirFlag) : existsSync(resolveModelDir()) ? resolveModelDir() : join(REPO, '..', 'shared', 'models', 'fsmn-vad');
  const started = performance.now();
  const files = buildEvalSet(dir);
  const minutes = files.reduce((s, f) => s + (f.durationMs * f.truth.length) / 60000, 0);
  console.log(`Evaluation set: ${files.length} files, ${minutes.toFixed(1)} channel-minutes, in ${dir} (built in ${((performance.now() - started) / 1000).toFixed(0)} s)`);

  const fsmn = await runFsmn(files, dir, modelDir);
  const sileroNative = await runSilero(files, dir, true);
  const silero16k = await runSilero(files, dir, false);
  const systems: [string, Output][] = [
    ['FSMN (meeting)', fsmn],
    ['Silero, 8 kHz native', sileroOutput(sileroNative, SILERO_DEFAULTS)],
    ['Silero, 8 kHz → 16 kHz', sileroOutput(silero16k, SILERO_DEFAULTS)],
  ];
  const conditions = [...new Set(files.map((f) => f.condition))];
  console.log(`\nMicro frame F1 % (false-alarm rate %), 10 ms frames, collar ${COLLAR_MS} ms; default parameters:\n`);
  console.log(`| condition | ${systems.map(([n]) => n).join(' | ')} |`);
  console.log(`|---|${systems.map(() => '---:').join('|')}|`);
  for (const cond of [...conditions, undefined]) {
    const cells = systems.map(([, o]) => {
      const c = score(files, o, cond);
      return `${pct(f1(c))} (${pct(falseAlarmRate(c))})`;
    });
    console.log(`| ${cond ?? '**all**'} | ${cells.join(' | ')} |`);
  }

  // Preset candidates per model, scored on the whole set (Silero re-scored from its stored probabilities).
  console.log('\nPresets (F1 % overall / on noise conditions / on telephone and calls):\n');
  console.log('| model | preset | parameters | all | noise | telephone |');
  console.log('|---|---|---|---:|---:|---:|');
  const noise = (f: EvalFile) => /noise|music/.test(f.condition);
  const phone = (f: EvalFile) => f.rate === 8000;
  const row = (model: string, preset: string, params: string, o: Output) =>
    console.log(`| ${model} | ${preset} | ${params} | ${pct(f1(score(files, o)))} | ${pct(f1(score(files.filter(noise), o)))} | ${pct(f1(score(files.filter(phone), o)))} |`);
  for (const preset of PRESET_NAMES) row('FSMN', preset, '(shared PRESETS)', preset === 'meeting' ? fsmn : await runFsmn(files, dir, modelDir, preset));
  for (const [preset, p] of Object.entries(SILERO_PRESET_CANDIDATES)) {
    const params = { ...SILERO_DEFAULTS, ...p };
    row('Silero', preset, JSON.stringify(p), sileroOutput(sileroNative, params));
  }
  console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

/** Candidate meanings of the shared presets for Silero (what the preset table documents). */
const SILERO_PRESET_CANDIDATES: Record<string, Partial<SileroParams>> = {
  'fast-dialogue': { minSilenceMs: 100, speechPadMs: 30 },
  meeting: {},
  lecture: { minSilenceMs: 500, speechPadMs: 100 },
  noisy: { threshold: 0.6, minSilenceMs: 300 },
  'noisy (0.7)': { threshold: 0.7, minSilenceMs: 300 },
  'permissive (0.35)': { threshold: 0.35 },
};

await main();
