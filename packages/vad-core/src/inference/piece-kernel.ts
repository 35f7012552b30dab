/**
 * One model call for one or several pieces (spec §6.3, §12). Each piece's model input carries its own
 * ≤ 76 frames of left context, so several inputs concatenated along T and run with zero caches give each
 * piece exactly its solo output — except a piece that starts at its stream's frame 0, whose correct
 * context is the zero caches themselves: it may only come first in a packed call. The export's batch
 * dimension is fixed to 1, so packing along T is the only batching there is.
 */
import { performance } from 'node:perf_hooks';
import { VadError, toVadError } from '@vadfleet/shared/errors';
import { type FrontEnd, modelStartFor } from '../features/front-end.js';
import { FEATURE_DIM, type VadSession } from '../model/session.js';
import type { PieceResult, PieceTask } from '../types.js';

export type PieceOutcome = { ok: true; result: PieceResult } | { ok: false; error: VadError };

export interface PackRun {
  /** One per task, in the order given. */
  outcomes: PieceOutcome[];
  /** Frames in the model call (kept plus context), 0 when no task reached the model. */
  frames: number;
  modelMs: number;
  featuresMs: number;
}

/** True when a task's model input starts at its stream's first frame (zero caches are its context). */
export function startsAtStreamStart(task: PieceTask): boolean {
  return modelStartFor(task.keepFrom) === 0;
}

/** Computes one piece: features, one model call, the kept frames' P(silence) and, if asked, their dB. */
export async function runPiece(task: PieceTask, frontEnd: FrontEnd, session: VadSession): Promise<PieceResult> {
  const [outcome] = (await runPack([task], frontEnd, session)).outcomes;
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}

/**
 * Runs `tasks` as ONE model call. A task whose features cannot be computed fails alone; a failing model
 * call fails every task in it. Model time is shared among the results in proportion to their frames.
 */
export async function runPack(tasks: readonly PieceTask[], frontEnd: FrontEnd, session: VadSession): Promise<PackRun> {
  if (tasks.slice(1).some(startsAtStreamStart)) {
    throw new VadError('INTERNAL', 'A piece that starts at its stream start may only come first in a packed model call.');
  }
  const outcomes: PieceOutcome[] = new Array(tasks.length);
  const placed: { index: number; offset: number; frames: number; keepOffset: number; frameDb?: Float64Array; featuresMs: number }[] = [];
  const solo = tasks.length === 1;
  const totalFrames = tasks.reduce((sum, t) => sum + Math.max(0, t.keepTo - modelStartFor(t.keepFrom)), 0);
  // A solo call feeds the front end's buffer directly; a pack copies each input before the next call reuses it.
  const packed = solo ? undefined : new Float32Array(totalFrames * FEATURE_DIM);
  let input: Float32Array | undefined;
  let frames = 0;
  let featuresMs = 0;

  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i];
    const started = performance.now();
    try {
      if (!(task.keepTo > task.keepFrom && task.keepFrom >= 0)) {
        throw new VadError('INTERNAL', `Piece keeps frames ${task.keepFrom}..${task.keepTo}: the range is empty.`);
      }
      const modelInput = frontEnd.computeModelInput(task);
      if (packed) packed.set(modelInput.features, frames * FEATURE_DIM);
      else input = modelInput.features;
      const frameDb = task.withEnergy ? frontEnd.computeFrameDb(task) : undefined;
      const ms = performance.now() - started;
      placed.push({ index: i, offset: frames, frames: modelInput.frames, keepOffset: task.keepFrom - modelInput.modelStart, frameDb, featuresMs: ms });
      frames += modelInput.frames;
      featuresMs += ms;
    } catch (err) {
      featuresMs += performance.now() - started;
      outcomes[i] = { ok: false, error: toVadError(err) };
    }
  }
  if (placed.length === 0) return { outcomes, frames: 0, modelMs: 0, featuresMs };
  if (packed) input = packed.subarray(0, frames * FEATURE_DIM);

  const modelStarted = performance.now();
  let silence: Float32Array;
  try {
    silence = await session.run(input!, frames);
  } catch (err) {
    const error = toVadError(err);
    for (const p of placed) outcomes[p.index] = { ok: false, error };
    return { outcomes, frames, modelMs: performance.now() - modelStarted, featuresMs };
  }
  const modelMs = performance.now() - modelStarted;
  for (const p of placed) {
    const result: PieceResult = {
      silenceProbs: silence.slice(p.offset + p.keepOffset, p.offset + p.frames),
      timings: { featuresMs: p.featuresMs, modelMs: (modelMs * p.frames) / frames },
    };
    if (p.frameDb) result.frameDb = p.frameDb;
    outcomes[p.index] = { ok: true, result };
  }
  return { outcomes, frames, modelMs, featuresMs };
}
