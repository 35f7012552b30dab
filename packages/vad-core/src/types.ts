/**
 * Contracts between the parts of vad-core. Units: the pipeline counts samples (16 kHz) and frames
 * (10 ms = 160 samples); milliseconds appear only in results.
 */

import type { WarningData } from '@vadfleet/shared/errors';

/** What the container/codec header says about the source. */
export interface AudioInfo {
  /** Container detected from the bytes. */
  container: 'wav' | 'rf64' | 'mp3' | 'flac' | 'ogg' | 'ffmpeg';
  /** Codec inside it, e.g. 'pcm_s16le', 'pcm_mulaw', 'pcm_alaw', 'pcm_f32le', 'mp3', 'flac', 'opus', or ffmpeg's name. */
  codec: string;
  /** Source sample rate in Hz (before resampling to 16 kHz). */
  sampleRate: number;
  /** Channel count from the stream's own header. */
  channels: number;
  /** Source-rate sample frames the header declares, when it declares any. */
  declaredFrames?: number;
}

export interface OpenAudioOptions {
  /** More channels than this fails with TOO_MANY_CHANNELS (checked from the header). */
  maxChannels: number;
  /** Longer audio fails with AUDIO_TOO_LONG: from the header when it declares a length, else while decoding. */
  maxDurationMs: number;
  signal?: AbortSignal;
  /** ffmpeg binary for formats without an in-process decoder; default 'ffmpeg' from PATH. */
  ffmpegPath?: string;
  /** The source's path when it is a file: ffmpeg reads it directly (and can seek in it). */
  filePath?: string;
  /** Bound on a stream spooled to a temporary file for ffmpeg (PAYLOAD_TOO_LARGE beyond); default 4 GiB. */
  maxInputBytes?: number;
  /** Rates besides 16 kHz that are passed through without resampling (a model that runs them natively, e.g. Silero at 8 kHz). */
  nativeRates?: readonly number[];
  /**
   * Rate of the blocks: 16000 (default, what the model takes), another integer rate, or 'source' (the
   * decoder's own rate, no resampling; ffmpeg's output is already 16 kHz). Only speech export sets it.
   */
  outputRate?: number | 'source';
}

/** A decoded stream: per-channel blocks of 16 kHz samples (or another rate, see `blockRate`) in int16 scale (spec §3.1). */
export interface AudioStream {
  info: AudioInfo;
  /** Sample rate of `blocks`: 16000, the source's when listed in `nativeRates`, or what `outputRate` asked. */
  blockRate: number;
  /**
   * Yields arrays of `info.channels` Float32Arrays of equal length (`blockRate`, int16 scale). The values do
   * not depend on how the input bytes were chunked. Each yielded array may be reused by the producer
   * after the consumer asks for the next block, so consumers copy what they keep.
   */
  blocks: AsyncIterable<Float32Array[]>;
  /** Filled when `blocks` ends: e.g. TRUNCATED_INPUT when the stream ends before its header says. */
  warnings: WarningData[];
}

/**
 * One piece of one channel's frame sequence, computed independently (spec §6.3, §12): samples cover the
 * fbank frames the piece needs (its own frames plus up to 78 frames of left context and 2 of right).
 */
export interface PieceTask {
  /** 16 kHz samples in int16 scale, starting at sample 160·fbankStart of the stream. */
  samples: Float32Array;
  /** Absolute index of the first fbank frame that `samples` starts at. */
  fbankStart: number;
  /** First frame whose output is kept (absolute). */
  keepFrom: number;
  /** One past the last frame whose output is kept (absolute). */
  keepTo: number;
  /** True when the last fbank frame computable from `samples` is the stream's last (LFR clamps there, spec §5.1). */
  atStreamEnd: boolean;
  /** Also compute frame energies in dB (spec §8), needed only when the energy gates are active. */
  withEnergy: boolean;
}

export interface PieceResult {
  /** P(silence) for frames keepFrom..keepTo−1. */
  silenceProbs: Float32Array;
  /** dB per frame for the same frames, when asked for. */
  frameDb?: Float64Array;
  /** Milliseconds spent per stage in the inference thread. */
  timings: { featuresMs: number; modelMs: number };
}

export type { Segment } from '@vadfleet/vad-postprocess';
