/**
 * An opened audio stream through Silero, every channel on its own (its own stream, state and batch row):
 * decoded blocks go to each channel's SileroStream as they come, with a bound on what waits for the
 * model; once all windows are back, upstream's post-processing runs on each channel's probabilities.
 */
import { performance } from 'node:perf_hooks';
import type { Segment } from '@vadfleet/vad-postprocess';
import type { InferencePool } from '../../inference/inference-pool.js';
import type { AudioStream } from '../../types.js';
import type { SileroParams } from './params.js';
import { DEFAULT_CHUNK_WINDOWS, SileroStream } from './silero-stream.js';
import { speechSegments } from './speech-timestamps.js';
import { SILERO_RATES } from './windowing.js';

/** Rates the audio layer passes through unresampled for Silero (16 kHz always is). */
export const SILERO_NATIVE_RATES: readonly number[] = SILERO_RATES;

export interface SileroChannelResult {
  channel: number;
  segments: Segment[];
  /** P(speech) per 32 ms window: what re-scoring needs. */
  probs: Float32Array;
}

export interface SileroDetection {
  /** Rate the model ran at. */
  rate: number;
  /** Samples per channel at `rate`. */
  samples: number;
  channels: SileroChannelResult[];
  timings: { decodeMs: number; modelMs: number; postprocessMs: number };
}

export interface DetectSileroOptions {
  signal?: AbortSignal;
  /** Called with the audio done so far, after each decoded block. */
  onProgress?: (audioMsDone: number) => void;
  chunkWindows?: number;
}

/** Runs of windows a channel may have waiting beyond the one in flight, to bound memory on fast decoders. */
const MAX_WAITING_RUNS = 4;

export async function detectSilero(pool: InferencePool<'silero'>, audio: AudioStream, params: SileroParams, options: DetectSileroOptions = {}): Promise<SileroDetection> {
  const rate = audio.blockRate;
  const chunkWindows = options.chunkWindows ?? DEFAULT_CHUNK_WINDOWS;
  const streams = Array.from({ length: audio.info.channels }, () => new SileroStream(pool, rate, chunkWindows, options.signal));
  const maxBuffered = MAX_WAITING_RUNS * chunkWindows * (streams[0]?.window ?? 0);
  const timings = { decodeMs: 0, modelMs: 0, postprocessMs: 0 };
  let decodeStart = performance.now();
  for await (const block of audio.blocks) {
    timings.decodeMs += performance.now() - decodeStart;
    options.signal?.throwIfAborted();
    for (let c = 0; c < streams.length; c++) streams[c].push(block[c]);
    for (const s of streams) while (s.buffered > maxBuffered) await s.settle();
    options.onProgress?.(Math.round(((streams[0]?.samplesSeen ?? 0) * 1000) / rate));
    decodeStart = performance.now();
  }
  timings.decodeMs += performance.now() - decodeStart;
  const probs = await Promise.all(streams.map((s) => s.finish()));
  const samples = streams[0]?.samplesSeen ?? 0;
  const t0 = performance.now();
  const channels = probs.map((p, channel) => ({ channel, probs: p, segments: speechSegments(p, samples, rate, streams[channel].window, params) }));
  timings.postprocessMs = performance.now() - t0;
  timings.modelMs = streams.reduce((sum, s) => sum + s.modelMs, 0);
  return { rate, samples, channels, timings };
}
