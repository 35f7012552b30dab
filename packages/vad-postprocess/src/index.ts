export { Segmenter } from './segmenter.js';
export { FUNASR_POST_DEFAULTS, applyParams, needsFrameEnergy, parsePostConfig, type PostConfig } from './post-config.js';
export { FrameProbsRecorder, decodeFrameProbs, encodeFrameProbs, rescoreFrameProbs, type FrameProbs } from './frame-probs.js';
export type { Segment } from './segment.js';
export { buildResultDocument, type DetectedSegments, type ResultIdentity, type ResultJson } from './result-document.js';
