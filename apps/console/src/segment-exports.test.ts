import { expect, test } from 'vitest';
import { exportSegments, toAudacityLabels, toCsv, toRttm } from './segment-exports.js';

const stereo = [
  { channel: 0, segments: [[70, 2340], [2620, 6200]] as [number, number][] },
  { channel: 1, segments: [[1000, 1500]] as [number, number][] },
];

test('CSV has one row per segment with its channel', () => {
  expect(toCsv(stereo)).toBe('channel,start_ms,end_ms\n0,70,2340\n0,2620,6200\n1,1000,1500\n');
});

test('RTTM numbers channels from 1, in seconds, with whitespace-free file ids', () => {
  expect(toRttm(stereo, 'my call')).toBe(
    'SPEAKER my_call 1 0.070 2.270 <NA> <NA> speech <NA> <NA>\n' +
      'SPEAKER my_call 1 2.620 3.580 <NA> <NA> speech <NA> <NA>\n' +
      'SPEAKER my_call 2 1.000 0.500 <NA> <NA> speech <NA> <NA>\n',
  );
});

test('Audacity labels are tab-separated seconds in time order', () => {
  expect(toAudacityLabels(stereo)).toBe('0.070\t2.340\tspeech\n1.000\t1.500\tspeech\n2.620\t6.200\tspeech\n');
});

test('JSON exports the given document', () => {
  expect(JSON.parse(exportSegments('json', stereo, 'x', { channels: stereo }))).toEqual({ channels: stereo });
});
