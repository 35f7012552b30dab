import type { ChannelSegments } from './api-client.js';

/**
 * The export formats of the console, from per-channel segments in milliseconds. Times in seconds are
 * written with millisecond precision (segments are on a 10 ms grid, so nothing is lost).
 */
export type ExportFormat = 'json' | 'csv' | 'rttm' | 'audacity';

export const EXPORT_FORMATS: Record<ExportFormat, { label: string; extension: string; mime: string }> = {
  json: { label: 'JSON', extension: 'json', mime: 'application/json' },
  csv: { label: 'CSV', extension: 'csv', mime: 'text/csv' },
  rttm: { label: 'RTTM', extension: 'rttm', mime: 'text/plain' },
  audacity: { label: 'Audacity labels', extension: 'txt', mime: 'text/plain' },
};

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** `channel,start_ms,end_ms`, one row per segment. */
export function toCsv(channels: readonly ChannelSegments[]): string {
  const rows = channels.flatMap(({ channel, segments }) => segments.map(([start, end]) => `${channel},${start},${end}`));
  return ['channel,start_ms,end_ms', ...rows].join('\n') + '\n';
}

/** NIST RTTM: the channel is 1-based and each channel is its own "speaker" lane. */
export function toRttm(channels: readonly ChannelSegments[], fileId: string): string {
  // RTTM fields are space-separated, so the file id may not contain whitespace.
  const file = fileId.replace(/\s+/g, '_') || 'audio';
  return channels
    .flatMap(({ channel, segments }) =>
      segments.map(([start, end]) => `SPEAKER ${file} ${channel + 1} ${seconds(start)} ${seconds(end - start)} <NA> <NA> speech <NA> <NA>\n`),
    )
    .join('');
}

/** Audacity's label track, `start_s\tend_s\tspeech`, all channels in time order (labels have no channel). */
export function toAudacityLabels(channels: readonly ChannelSegments[]): string {
  return channels
    .flatMap(({ segments }) => segments)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([start, end]) => `${seconds(start)}\t${seconds(end)}\tspeech\n`)
    .join('');
}

export function exportSegments(format: ExportFormat, channels: readonly ChannelSegments[], fileId: string, document: unknown): string {
  switch (format) {
    case 'json':
      return JSON.stringify(document, null, 2) + '\n';
    case 'csv':
      return toCsv(channels);
    case 'rttm':
      return toRttm(channels, fileId);
    case 'audacity':
      return toAudacityLabels(channels);
  }
}
