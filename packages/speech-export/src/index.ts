export { exportSpeech, type SpeechExportRequest } from './export-speech.js';
export { parseSpeechOptions } from './speech-options.js';
export { planPieces, type Piece } from './plan-pieces.js';
export { joinedToSource, sourceToJoined, type TimeMapEntry } from './timemap.js';
export { FileStore, type ObjectStore, type ObjectWriter } from './object-store.js';
export { FORMAT_INFO, type SpeechFormat } from './encoder.js';
export type { ChannelSpeech, ExportedObject, SpeechExportResult } from './speech-result.js';
