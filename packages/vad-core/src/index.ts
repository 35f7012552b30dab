export { Vad, VERSION, type ChannelSegments, type DetectOptions, type DetectResult, type Progress, type SegmentEvent, type Timings, type VadOptions } from './vad.js';
export { toByteStream, type AudioSource } from './audio-source.js';
export type { InferencePoolStats, RunInfo } from './inference/inference-pool.js';
export type { ProviderChoice } from './model/session.js';
export { resolveModelDir } from './model/model-files.js';
export type { AudioInfo, Segment } from './types.js';
