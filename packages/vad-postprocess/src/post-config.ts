/**
 * FunASR's `vad_post_conf` (spec §2, §16 "Configuration layout"): read from config.yaml under
 * `vad_post_conf` or `model_conf`, then overridden by the caller's resolved parameters.
 */
import { parse as parseYaml } from 'yaml';
import { VadError } from '@vadfleet/shared/errors';
import type { ResolvedFsmnParams } from '@vadfleet/shared/vad-params';

export interface PostConfig {
  silPdfIds: number[];
  speechNoiseThres: number;
  speech2NoiseRatio: number;
  windowSizeMs: number;
  silToSpeechTimeThres: number;
  speechToSilTimeThres: number;
  maxEndSilenceTime: number;
  maxStartSilenceTime: number;
  maxSingleSegmentTime: number;
  doExtend: boolean;
  lookbackTimeStartPoint: number;
  lookaheadTimeEndPoint: number;
  /** 0: single utterance, 1: multiple utterances (shipped). */
  detectMode: 0 | 1;
  decibelThres: number;
  snrThres: number;
  noiseFrameNumUsedForSnr: number;
  frameInMs: number;
}

/** The values of the shipped config.yaml, used for keys a config file leaves out. */
export const FUNASR_POST_DEFAULTS: PostConfig = {
  silPdfIds: [0],
  speechNoiseThres: 0.6,
  speech2NoiseRatio: 1,
  windowSizeMs: 200,
  silToSpeechTimeThres: 150,
  speechToSilTimeThres: 150,
  maxEndSilenceTime: 800,
  maxStartSilenceTime: 3000,
  maxSingleSegmentTime: 60000,
  doExtend: true,
  lookbackTimeStartPoint: 200,
  lookaheadTimeEndPoint: 100,
  detectMode: 1,
  decibelThres: -100,
  snrThres: -100,
  noiseFrameNumUsedForSnr: 100,
  frameInMs: 10,
};

const YAML_KEYS: Record<keyof PostConfig, string> = {
  silPdfIds: 'sil_pdf_ids',
  speechNoiseThres: 'speech_noise_thres',
  speech2NoiseRatio: 'speech_2_noise_ratio',
  windowSizeMs: 'window_size_ms',
  silToSpeechTimeThres: 'sil_to_speech_time_thres',
  speechToSilTimeThres: 'speech_to_sil_time_thres',
  maxEndSilenceTime: 'max_end_silence_time',
  maxStartSilenceTime: 'max_start_silence_time',
  maxSingleSegmentTime: 'max_single_segment_time',
  doExtend: 'do_extend',
  lookbackTimeStartPoint: 'lookback_time_start_point',
  lookaheadTimeEndPoint: 'lookahead_time_end_point',
  detectMode: 'detect_mode',
  decibelThres: 'decibel_thres',
  snrThres: 'snr_thres',
  noiseFrameNumUsedForSnr: 'noise_frame_num_used_for_snr',
  frameInMs: 'frame_in_ms',
};

/** Parses config.yaml text into a PostConfig; a malformed file is MODEL_INVALID. */
export function parsePostConfig(configYamlText: string): PostConfig {
  let doc: unknown;
  try {
    doc = parseYaml(configYamlText);
  } catch (err) {
    throw new VadError('MODEL_INVALID', `config.yaml is not valid YAML (${(err as Error).message}); run \`npm run model:fetch\`.`);
  }
  const root = (doc ?? {}) as Record<string, unknown>;
  const section = (root.vad_post_conf ?? root.model_conf) as Record<string, unknown> | undefined;
  if (!section || typeof section !== 'object') {
    throw new VadError('MODEL_INVALID', 'config.yaml has no vad_post_conf (or model_conf) section; run `npm run model:fetch`.');
  }
  const config: PostConfig = { ...FUNASR_POST_DEFAULTS };
  for (const [field, key] of Object.entries(YAML_KEYS) as [keyof PostConfig, string][]) {
    const value = section[key];
    if (value === undefined) continue;
    const bad = () => new VadError('MODEL_INVALID', `config.yaml: ${key} has an invalid value ${JSON.stringify(value)}.`);
    if (field === 'silPdfIds') {
      if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v) && v >= 0)) throw bad();
      config.silPdfIds = value as number[];
    } else if (field === 'doExtend') {
      config.doExtend = value === true || value === 1;
    } else if (field === 'detectMode') {
      if (value !== 0 && value !== 1) throw bad();
      config.detectMode = value;
    } else {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad();
      config[field] = value;
    }
  }
  return config;
}

/** The config for one call: the file's values with the caller's parameters applied. */
export function applyParams(base: PostConfig, params: ResolvedFsmnParams): PostConfig {
  const tight = params.boundaries === 'tight';
  return {
    ...base,
    maxEndSilenceTime: params.maxEndSilenceMs,
    speechNoiseThres: params.speechNoiseThres,
    maxSingleSegmentTime: params.maxSegmentMs,
    lookbackTimeStartPoint: tight ? 0 : base.lookbackTimeStartPoint,
    lookaheadTimeEndPoint: tight ? 0 : base.lookaheadTimeEndPoint,
  };
}

/** The energy gates are inert when no frame can fail them (spec §8); then dB need not be computed. */
export function needsFrameEnergy(config: PostConfig): boolean {
  return config.decibelThres > -60 || config.snrThres > -86.03;
}
