import type { SpeechExportOptions } from '@vadfleet/shared/speech-export';
import { VadError } from '@vadfleet/shared/errors';
import type { Segment } from '@vadfleet/vad-core';
import { openAudio } from '@vadfleet/vad-core/audio';
import { ChannelCutter } from './channel-cutter.js';
import type { ObjectStore } from './object-store.js';
import { planPieces } from './plan-pieces.js';
import type { SpeechExportResult } from './speech-result.js';
import { ClipsWriter, JoinedWriter } from './track-writers.js';

export interface SpeechExportRequest {
  /**
   * A fresh read of the input whose segments are given: export is a second decoding pass after
   * detection (see docs/speech-export.md for why), so memory stays what one decoder needs.
   */
  source: AsyncIterable<Uint8Array>;
  /** The detection result's channels and duration. */
  channels: readonly { channel: number; segments: readonly Segment[] }[];
  durationMs: number;
  options: SpeechExportOptions;
  store: ObjectStore;
  /** Key prefix: clips go to `<base>/ch<N>/…`, joined tracks to `<base>/ch<N>.<ext>`. */
  base: string;
  maxChannels?: number;
  maxDurationMs?: number;
  signal?: AbortSignal;
  onProgress?: (audioMsDone: number) => void;
}

const DEFAULT_MAX_CHANNELS = 8;
const DEFAULT_MAX_DURATION_MS = 4 * 3600 * 1000;

/**
 * Decodes the input again at the export rate (the pipeline's decoder and resampler) and writes each
 * channel's speech as the options say. On failure, objects being written are removed; objects already
 * completed stay (their keys are deterministic: a retry overwrites them).
 */
export async function exportSpeech(req: SpeechExportRequest): Promise<SpeechExportResult> {
  const { options } = req;
  const audio = await openAudio(req.source, {
    maxChannels: req.maxChannels ?? DEFAULT_MAX_CHANNELS,
    maxDurationMs: req.maxDurationMs ?? DEFAULT_MAX_DURATION_MS,
    signal: req.signal,
    outputRate: options.sampleRate,
  });
  if (audio.info.channels !== req.channels.length) {
    await audio.blocks[Symbol.asyncIterator]().return?.();
    throw new VadError('INVALID_AUDIO', `the input has ${audio.info.channels} channels, its detection result ${req.channels.length}: did it change between the two reads?`);
  }
  const rate = audio.blockRate;
  const lanes = req.channels.map(({ channel, segments }) => {
    const pieces = planPieces(segments, req.durationMs, options.padMs);
    const base = `${req.base}/ch${channel}`;
    const writer =
      options.layout === 'clips'
        ? new ClipsWriter(req.store, options.format, rate, base)
        : new JoinedWriter(req.store, options.format, rate, base, options.gapMs);
    return { channel, writer, cutter: new ChannelCutter(pieces, rate, options.maxClipMs, writer) };
  });

  try {
    let samples = 0;
    for await (const block of audio.blocks) {
      for (let c = 0; c < lanes.length; c++) lanes[c].cutter.push(block[c]);
      for (const lane of lanes) await lane.writer.drain();
      samples += block[0].length;
      req.onProgress?.(Math.round((samples * 1000) / rate));
    }
    for (const lane of lanes) {
      lane.cutter.finish();
      if (lane.writer instanceof JoinedWriter) await lane.writer.finish();
      else await lane.writer.drain();
    }
  } catch (err) {
    await Promise.all(lanes.map((lane) => lane.writer.abort()));
    throw err;
  }
  return {
    layout: options.layout,
    format: options.format,
    sampleRate: rate,
    channels: lanes.map((lane) => lane.writer.result(lane.channel, req.durationMs)),
  };
}
