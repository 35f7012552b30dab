/** An exported object, listed once its upload has completed. */
export interface ExportedObject {
  key: string;
  bytes: number;
  /** Audio in the object, from its sample count. */
  durationMs: number;
  /** Clips: the segment (index in the channel's segments) the clip comes from, and its source range. */
  segmentIndex?: number;
  startMs?: number;
  endMs?: number;
}

export interface ChannelSpeech {
  channel: number;
  /** Source audio exported (padding included, gaps not). */
  speechMs: number;
  /** 1 − speechMs / the file's duration: the share of the audio an ASR no longer has to process. */
  removedRatio: number;
  objects: ExportedObject[];
  /** Joined layout: the key of the time map. */
  mapKey?: string;
}

export interface SpeechExportResult {
  layout: 'clips' | 'joined';
  format: 'wav' | 'flac';
  sampleRate: number;
  channels: ChannelSpeech[];
}
