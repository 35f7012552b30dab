/** Audio input: bytes of any supported format → per-channel 16 kHz blocks in int16 scale. */
export { openAudio } from './open-audio.js';
export { detectFormat, type DetectedFormat } from './detect-format.js';
export { StreamingResampler } from './resampler.js';
export { BLOCK_SAMPLES } from './sample-blocks.js';
export { probeWavFormat, type WavFormat } from './wav-header.js';
export type { AudioInfo, AudioStream, OpenAudioOptions } from '../types.js';
