import { expect, test } from 'vitest';
import { parseS3Url } from './batch-command.js';
import { formatProgress } from './batch-progress.js';

test('a progress line says done/total, audio hours, speed, ETA and failures', () => {
  const view = { id: 'b', status: 'running', listingComplete: false, counts: { total: 2000, completed: 990, failed: 10, cancelled: 0 }, audioMsProcessed: 5_400_000, audioSecondsPerSecond: 42.5, etaSeconds: 125 };
  expect(formatProgress(view)).toBe('1000/2000+ calls  1.50 h audio  42.5x real time  ETA 2m05s  failed 10');
});

test('s3 URLs', () => {
  expect(parseS3Url('s3://calls/2024/06/')).toEqual({ bucket: 'calls', prefix: '2024/06/' });
  expect(parseS3Url('s3://calls')).toEqual({ bucket: 'calls', prefix: '' });
  expect(() => parseS3Url('calls/2024')).toThrow(/s3:\/\//);
});
