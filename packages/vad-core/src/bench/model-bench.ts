/**
 * "Model alone" baseline for the benchmark: times session.run on features computed beforehand, so the
 * pipeline's numbers can be read as ratios to the one cost no implementation can remove.
 */
import { performance } from 'node:perf_hooks';
import { FEATURE_DIM, type VadSession } from '../model/session.js';

export interface ModelBenchOptions {
  session: VadSession;
  /** Model input, frames × 400 (e.g. FrontEnd.computeModelInput over the whole file, copied). */
  features: Float32Array;
  frames: number;
  /**
   * Frames per model call; default all in one call. Smaller values time the same frames as consecutive
   * calls (zero caches: the numbers are a cost measure, not exact posteriors).
   */
  chunkFrames?: number;
  /** Timed repetitions; default 5. */
  runs?: number;
  /** Untimed repetitions first (allocator and kernel warm-up); default 1. */
  warmupRuns?: number;
}

export interface ModelBenchResult {
  /** Wall time of each timed repetition over all frames, ms. */
  runsMs: number[];
  medianMs: number;
  minMs: number;
  frames: number;
  calls: number;
}

export async function benchModelAlone(options: ModelBenchOptions): Promise<ModelBenchResult> {
  const { session, features, frames } = options;
  const chunkFrames = options.chunkFrames ?? frames;
  const runs = options.runs ?? 5;
  const calls = Math.ceil(frames / chunkFrames);
  const pass = async () => {
    for (let start = 0; start < frames; start += chunkFrames) {
      const end = Math.min(frames, start + chunkFrames);
      await session.run(features.subarray(start * FEATURE_DIM, end * FEATURE_DIM), end - start);
    }
  };
  for (let i = 0; i < (options.warmupRuns ?? 1); i++) await pass();
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await pass();
    runsMs.push(performance.now() - started);
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { runsMs, medianMs, minMs: sorted[0], frames, calls };
}
