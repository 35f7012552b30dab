/**
 * The library's entry point: a Vad owns the model files and the inference thread pools (loaded once,
 * shared by every call), and turns audio sources into speech segments per channel with the model the
 * parameters name: FSMN (default; its pool starts with the Vad) or Silero (its pool starts on first use).
 */
import { readFileSync } from 'node:fs';
import { VadError, type WarningData } from '@vadfleet/shared/errors';
import { type ModelName, type ResolvedSileroParams, type ResolvedVadParams, modelOf, resolveVadParams } from '@vadfleet/shared/vad-params';
import { openAudio } from './audio/index.js';
import { toByteStream, type AudioSource } from './audio-source.js';
import { FRAME_MS, SAMPLES_PER_MS } from './features/fbank.js';
import { InferencePool, type InferencePoolOptions, type InferencePoolStats } from './inference/inference-pool.js';
import { loadModelFiles, resolveModelDir } from './model/model-files.js';
import { SILERO_NATIVE_RATES, detectSilero } from './models/silero/detect-silero.js';
import { loadSileroWeights } from './models/silero/weights.js';
import { PieceCutter } from './piece-cutter.js';
import { Segmenter, applyParams, needsFrameEnergy, type PostConfig } from '@vadfleet/vad-postprocess';
import type { PieceResult, Segment } from './types.js';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** Where the model files are, and the inference pool's options (threads, provider, metrics hooks). */
export interface VadOptions extends Omit<InferencePoolOptions, 'files'> {
  /** Directory with model.onnx, am.mvn and config.yaml. Default: `<repo>/models/fsmn-vad`. */
  modelDir?: string;
  /** Use the int8 model: faster on some CPUs, approximate (±10 ms, spec §15.3). Default false. */
  quantized?: boolean;
}

export interface Progress {
  audioMsDone: number;
  /** Known when the header declares the length. */
  audioMsTotal?: number;
}

export interface DetectOptions {
  /** Resolved at the caller's edge (`parseVadParams` from @vadfleet/shared/vad-params). Default: every default. */
  params?: ResolvedVadParams;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Per-frame P(silence) as computed, in frame order per channel (for `--frame-probs` and re-scoring). */
  onFrameProbs?: (channel: number, firstFrame: number, silenceProbs: Float32Array) => void;
  /** Default 8. */
  maxChannels?: number;
  /** Default 4 hours. */
  maxDurationMs?: number;
  /** Bound on a stream that ffmpeg needs spooled to a temporary file (an MP4 with its index at the end); default 4 GiB. */
  maxInputBytes?: number;
  /** Frames per independent piece (default 3000 = 30 s); any value gives identical results. */
  pieceFrames?: number;
}

export interface ChannelSegments {
  channel: number;
  segments: Segment[];
}

export interface Timings {
  decodeMs: number;
  featuresMs: number;
  modelMs: number;
  postprocessMs: number;
  totalMs: number;
}

/** A model's identity in results and cache keys; `version` for models whose weights name one (Silero). */
export interface ModelIdentity {
  name: string;
  version?: string;
  sha256: string;
}

export interface DetectResult {
  durationMs: number;
  sampleRate: number;
  channels: ChannelSegments[];
  params: ResolvedVadParams;
  model: ModelIdentity;
  version: string;
  timings: Timings;
  /** E.g. TRUNCATED_INPUT: the input ends before its header says; what arrived was analysed. Empty when all is well. */
  warnings: WarningData[];
}

export type SegmentEvent = { channel: number; segment: Segment };

const DEFAULT_MAX_CHANNELS = 8;
const DEFAULT_MAX_DURATION_MS = 4 * 3600 * 1000;
const DEFAULT_PIECE_FRAMES = 3000;
/** Silero streams packed into one model call: batching is where its speed comes from (silero-vad.md §11). */
const SILERO_MAX_BATCH = 64;

function validateLimits(options: DetectOptions): { maxChannels: number; maxDurationMs: number } {
  const maxChannels = options.maxChannels ?? DEFAULT_MAX_CHANNELS;
  const maxDurationMs = options.maxDurationMs ?? DEFAULT_MAX_DURATION_MS;
  if (!Number.isInteger(maxChannels) || maxChannels < 1) {
    throw new VadError('INVALID_PARAMS', `maxChannels must be an integer ≥ 1, got ${maxChannels}.`, { field: 'maxChannels' });
  }
  if (!(maxDurationMs > 0)) throw new VadError('INVALID_PARAMS', `maxDurationMs must be > 0, got ${maxDurationMs}.`, { field: 'maxDurationMs' });
  return { maxChannels, maxDurationMs };
}

/** Opens a source with the call's limits; a file path goes to ffmpeg as such (it may need to seek). */
async function openSource(source: AudioSource, options: DetectOptions, nativeRates?: readonly number[]) {
  return openAudio(await toByteStream(source), {
    ...validateLimits(options),
    signal: options.signal,
    maxInputBytes: options.maxInputBytes,
    ...(typeof source === 'string' ? { filePath: source } : {}),
    ...(nativeRates ? { nativeRates } : {}),
  });
}

export class Vad {
  private sileroPool: Promise<InferencePool<'silero'>> | undefined;
  private closed = false;

  private constructor(
    private readonly pool: InferencePool,
    /** FSMN's post-processing config (config.yaml), before any call's parameters. */
    readonly postConfig: PostConfig,
    /** FSMN's identity (the default model). */
    readonly model: ModelIdentity,
    private readonly poolOptions: Omit<InferencePoolOptions, 'files'>,
  ) {}

  static async create(options: VadOptions = {}): Promise<Vad> {
    const { modelDir, quantized, ...poolOptions } = options;
    const files = await loadModelFiles(resolveModelDir(modelDir), { quantized });
    const pool = await InferencePool.create({ ...poolOptions, files });
    return new Vad(pool, files.postConfig, { name: files.name, sha256: files.sha256 }, poolOptions);
  }

  /** The identity of the model that parameters of `model` run (for results and cache keys). */
  async modelFor(model: ModelName): Promise<ModelIdentity> {
    if (model === 'fsmn') return this.model;
    const weights = await loadSileroWeights();
    return { name: weights.name, version: weights.version, sha256: weights.sha256 };
  }

  /** FSMN's pool. */
  stats(): InferencePoolStats {
    return this.pool.stats();
  }

  async close(): Promise<void> {
    this.closed = true;
    const silero = this.sileroPool?.catch(() => undefined);
    await Promise.all([this.pool.close(), silero?.then((p) => p?.close())]);
  }

  /** Silero's pool, started on first use with the Vad's thread count and provider. */
  private silero(): Promise<InferencePool<'silero'>> {
    if (this.closed) return Promise.reject(new VadError('INTERNAL', 'The Vad is closed.'));
    this.sileroPool ??= InferencePool.createSilero({ ...this.poolOptions, maxBatch: Math.max(this.poolOptions.maxBatch ?? 1, SILERO_MAX_BATCH) });
    // A failed start is not cached: the next call tries again.
    this.sileroPool.catch(() => (this.sileroPool = undefined));
    return this.sileroPool;
  }

  /** Segments per channel for one audio source. */
  async detect(source: AudioSource, options: DetectOptions = {}): Promise<DetectResult> {
    const stream = this.detectStream(source, options);
    for (;;) {
      const next = await stream.next();
      if (next.done) return next.value;
    }
  }

  /** Yields each segment as soon as it is closed; returns the full result at the end. */
  async *detectStream(source: AudioSource, options: DetectOptions = {}): AsyncGenerator<SegmentEvent, DetectResult> {
    const started = performance.now();
    const params = options.params ?? resolveVadParams();
    if (params.model === 'silero') return yield* this.detectSilero(source, params, options, started);
    const config = applyParams(this.postConfig, params);
    const withEnergy = needsFrameEnergy(config);
    const signal = options.signal;
    signal?.throwIfAborted();
    const audio = await openSource(source, options);
    const channelCount = audio.info.channels;
    const pieceFrames = options.pieceFrames ?? DEFAULT_PIECE_FRAMES;
    const audioMsTotal = audio.info.declaredFrames === undefined ? undefined : Math.round((audio.info.declaredFrames * 1000) / audio.info.sampleRate);
    const lanes = Array.from({ length: channelCount }, (_, channel) => ({
      channel,
      cutter: new PieceCutter(pieceFrames, withEnergy, (length) => this.pool.sampleBuffer(length)),
      segmenter: new Segmenter(config),
      pending: [] as { promise: Promise<PieceResult>; keepFrom: number; final: boolean }[],
      segments: [] as Segment[],
    }));
    // Pieces in flight per channel: enough to keep every thread busy, few enough to bound memory.
    const maxPending = Math.max(2, this.pool.stats().threads * 2);
    const timings: Timings = { decodeMs: 0, featuresMs: 0, modelMs: 0, postprocessMs: 0, totalMs: 0 };
    const events: SegmentEvent[] = [];

    const feed = async (lane: (typeof lanes)[number]): Promise<void> => {
      const head = lane.pending.shift()!;
      const result = await head.promise;
      timings.featuresMs += result.timings.featuresMs;
      timings.modelMs += result.timings.modelMs;
      options.onFrameProbs?.(lane.channel, head.keepFrom, result.silenceProbs);
      const t0 = performance.now();
      const probs = result.silenceProbs;
      const db = result.frameDb;
      const last = probs.length - 1;
      for (let i = 0; i <= last; i++) lane.segmenter.push(probs[i], db ? db[i] : 0, head.final && i === last);
      for (const segment of lane.segmenter.takeClosed(head.final)) {
        lane.segments.push(segment);
        events.push({ channel: lane.channel, segment });
      }
      timings.postprocessMs += performance.now() - t0;
      if (options.onProgress) {
        const framesDone = Math.min(...lanes.map((l) => l.segmenter.framesDone));
        options.onProgress({ audioMsDone: framesDone * FRAME_MS, audioMsTotal });
      }
    };
    const submit = (lane: (typeof lanes)[number], task: ReturnType<PieceCutter['finish']>, final: boolean) => {
      if (!task) return;
      const promise = this.pool.run(task, signal);
      promise.catch(() => undefined); // awaited in order by feed(); avoid an unhandled rejection meanwhile
      lane.pending.push({ promise, keepFrom: task.keepFrom, final });
    };

    let decodeStart = performance.now();
    for await (const block of audio.blocks) {
      timings.decodeMs += performance.now() - decodeStart;
      signal?.throwIfAborted();
      for (const lane of lanes) {
        for (const task of lane.cutter.push(block[lane.channel])) submit(lane, task, false);
        while (lane.pending.length > maxPending) await feed(lane);
      }
      yield* events.splice(0);
      decodeStart = performance.now();
    }
    timings.decodeMs += performance.now() - decodeStart;
    const totalSamples = lanes[0]?.cutter.samplesSeen ?? 0;
    if (totalSamples === 0) throw new VadError('EMPTY_AUDIO', 'The audio contains no samples.');
    for (const lane of lanes) {
      submit(lane, lane.cutter.finish(), true);
      while (lane.pending.length > 0) await feed(lane);
      yield* events.splice(0);
    }
    timings.totalMs = performance.now() - started;
    for (const stage of Object.keys(timings) as (keyof Timings)[]) timings[stage] = Math.round(timings[stage] * 100) / 100;
    return {
      durationMs: Math.round(totalSamples / SAMPLES_PER_MS),
      sampleRate: audio.info.sampleRate,
      channels: lanes.map((l) => ({ channel: l.channel, segments: l.segments })),
      params,
      model: this.model,
      version: VERSION,
      timings,
      warnings: audio.warnings,
    };
  }

  /**
   * Silero: every channel its own stream (8 and 16 kHz natively, other rates resampled to 16 kHz); segments
   * come at the end, since upstream's padding needs the next segment.
   */
  private async *detectSilero(source: AudioSource, params: ResolvedSileroParams, options: DetectOptions, started: number): AsyncGenerator<SegmentEvent, DetectResult> {
    const signal = options.signal;
    signal?.throwIfAborted();
    const [pool, model] = await Promise.all([this.silero(), this.modelFor('silero')]);
    const audio = await openSource(source, options, SILERO_NATIVE_RATES);
    const audioMsTotal = audio.info.declaredFrames === undefined ? undefined : Math.round((audio.info.declaredFrames * 1000) / audio.info.sampleRate);
    const onProgress = options.onProgress;
    const run = await detectSilero(pool, audio, params, { signal, onProgress: onProgress && ((audioMsDone) => onProgress({ audioMsDone, audioMsTotal })) });
    if (run.samples === 0) throw new VadError('EMPTY_AUDIO', 'The audio contains no samples.');
    for (const c of run.channels) for (const segment of c.segments) yield { channel: c.channel, segment };
    const timings: Timings = { decodeMs: run.timings.decodeMs, featuresMs: 0, modelMs: run.timings.modelMs, postprocessMs: run.timings.postprocessMs, totalMs: performance.now() - started };
    for (const stage of Object.keys(timings) as (keyof Timings)[]) timings[stage] = Math.round(timings[stage] * 100) / 100;
    return {
      durationMs: Math.round((run.samples * 1000) / run.rate),
      sampleRate: audio.info.sampleRate,
      channels: run.channels.map((c) => ({ channel: c.channel, segments: c.segments })),
      params,
      model,
      version: VERSION,
      timings,
      warnings: audio.warnings,
    };
  }
}
