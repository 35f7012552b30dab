/**
 * Runs the windows of several independent streams as batched model calls (silero-vad.md §5): a stream's
 * windows are sequential (its LSTM state carries over), so call k holds window k of every stream that has
 * one, each stream in its own batch row with its own state. Rows are independent, so a stream's
 * probabilities are bit-identical whatever else shares its calls.
 */
import { performance } from 'node:perf_hooks';
import { VadError } from '@vadfleet/shared/errors';
import type { SileroSession } from './session.js';
import { STATE_SIZE, geometryFor, isSileroRate } from './windowing.js';

/** A run of windows of one stream, with the stream's state before them. */
export interface SileroTask {
  /** Samples in int16 scale (the pipeline's unit); a multiple of the window, except a stream's last task (zero-padded). */
  samples: Float32Array;
  sampleRate: number;
  /** h (128) then c (128) after the stream's previous window; zeros at its start. */
  state: Float32Array;
  /** The last `context` samples fed (in [−1, 1)); zeros at the stream's start. */
  context: Float32Array;
}

export interface SileroResult {
  /** P(speech) per window. */
  probs: Float32Array;
  state: Float32Array;
  context: Float32Array;
  timings: { modelMs: number };
}

export interface SileroPackRun {
  results: SileroResult[];
  /** Window-rows computed (Σ windows of the tasks). */
  windows: number;
  calls: number;
  modelMs: number;
}

const INT16_TO_UNIT = 1 / 32768;

/** Windows in a task: ceil(samples / window). */
export function windowCount(task: Pick<SileroTask, 'samples' | 'sampleRate'>): number {
  return Math.ceil(task.samples.length / geometryFor(task.sampleRate).window);
}

/**
 * Runs `tasks` (all at one sample rate) to their ends. Buffers are allocated once per pack; rows are
 * ordered by length, longest first, so the rows still running are always a prefix and a finished row
 * leaves by moving the c-state rows behind it (h rows stay in place).
 */
export async function runSileroPack(tasks: readonly SileroTask[], session: SileroSession): Promise<SileroPackRun> {
  const rate = tasks[0]?.sampleRate;
  if (rate === undefined) return { results: [], windows: 0, calls: 0, modelMs: 0 };
  if (!isSileroRate(rate) || tasks.some((t) => t.sampleRate !== rate)) {
    throw new VadError('INTERNAL', `A Silero pack needs one sample rate of 8000 or 16000 Hz, got ${[...new Set(tasks.map((t) => t.sampleRate))].join(', ')}.`);
  }
  const { window, context } = geometryFor(rate);
  const width = window + context;
  const order = tasks.map((t, i) => ({ task: t, index: i, windows: windowCount(t) })).sort((a, b) => b.windows - a.windows || a.index - b.index);
  const rowCount = order.length;
  const input = new Float32Array(rowCount * width);
  const state = new Float32Array(2 * rowCount * STATE_SIZE);
  const callProbs = new Float32Array(rowCount);
  const results: SileroResult[] = new Array(tasks.length);
  const probs = order.map((o) => new Float32Array(o.windows));
  for (let r = 0; r < rowCount; r++) {
    const t = order[r].task;
    if (t.state.length !== 2 * STATE_SIZE || t.context.length !== context) {
      throw new VadError('INTERNAL', `A Silero task needs a state of ${2 * STATE_SIZE} and a context of ${context} values.`);
    }
    state.set(t.state.subarray(0, STATE_SIZE), r * STATE_SIZE);
    state.set(t.state.subarray(STATE_SIZE), (rowCount + r) * STATE_SIZE);
    input.set(t.context, r * width + window);
  }

  let rows = rowCount;
  let modelMs = 0;
  let windows = 0;
  let calls = 0;
  for (let k = 0; rows > 0; k++) {
    let running = rows;
    while (running > 0 && order[running - 1].windows <= k) running--;
    if (running < rows) {
      for (let r = running; r < rows; r++) finishRow(r, rows);
      // Compact the c rows behind the h rows of the streams still running.
      state.copyWithin(running * STATE_SIZE, rows * STATE_SIZE, (rows + running) * STATE_SIZE);
      rows = running;
      if (rows === 0) break;
    }
    for (let r = 0; r < rows; r++) {
      const row = r * width;
      // Context: the last `context` samples of this row's previous input.
      input.copyWithin(row, row + window, row + width);
      const samples = order[r].task.samples;
      const from = k * window;
      const n = Math.min(window, samples.length - from);
      for (let j = 0; j < n; j++) input[row + context + j] = samples[from + j] * INT16_TO_UNIT;
      if (n < window) input.fill(0, row + context + n, row + width);
    }
    const started = performance.now();
    await session.run(input.subarray(0, rows * width), state.subarray(0, 2 * rows * STATE_SIZE), rows, rate, callProbs);
    modelMs += performance.now() - started;
    calls++;
    windows += rows;
    for (let r = 0; r < rows; r++) probs[r][k] = callProbs[r];
  }
  // Model time is shared among the streams in proportion to their windows.
  for (const r of results) r.timings.modelMs = windows > 0 ? (modelMs * r.probs.length) / windows : 0;
  return { results, windows, calls, modelMs };

  function finishRow(r: number, rowsNow: number): void {
    const o = order[r];
    const s = new Float32Array(2 * STATE_SIZE);
    s.set(state.subarray(r * STATE_SIZE, (r + 1) * STATE_SIZE), 0);
    s.set(state.subarray((rowsNow + r) * STATE_SIZE, (rowsNow + r + 1) * STATE_SIZE), STATE_SIZE);
    const ctx = input.slice(r * width + window, r * width + width);
    results[o.index] = { probs: probs[r], state: s, context: ctx, timings: { modelMs: 0 } };
  }
}
