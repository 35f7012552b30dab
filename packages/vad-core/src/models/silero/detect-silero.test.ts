/** Silero through the audio layer and the pool (built dist: build vad-core first), channel by channel. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAudio } from '../../audio/index.js';
import { InferencePool } from '../../inference/inference-pool.js';
import { EXAMPLE_WAV } from '../../testing/example-audio.js';
import { HAS_SOX, soxCheckFile } from '../../testing/silero-audio.js';
import { SILERO_NATIVE_RATES, detectSilero } from './detect-silero.js';
import { SILERO_DEFAULTS } from './params.js';

const open = (path: string, nativeRates?: readonly number[]) =>
  openAudio((async function* () { yield readFileSync(path); })(), { maxChannels: 8, maxDurationMs: 3_600_000, nativeRates });

describe('detectSilero', { timeout: 300_000 }, () => {
  let pool: InferencePool<'silero'>;
  beforeAll(async () => {
    pool = await InferencePool.createSilero({ maxBatch: 8 });
  }, 120_000);
  afterAll(() => pool?.close());

  it('vad_example.wav: the 42 segments of silero-vad.md §9.1', async () => {
    const result = await detectSilero(pool, await open(EXAMPLE_WAV, SILERO_NATIVE_RATES), SILERO_DEFAULTS);
    expect(result.rate).toBe(16000);
    expect(result.channels[0].probs.length).toBe(2203);
    expect(result.channels[0].segments.length).toBe(42);
    expect(result.channels[0].segments.at(-1)).toEqual([63970, 70471]);
  });

  it.skipIf(!HAS_SOX)('stereo 8 kHz μ-law, native: channel 0 has 40 segments, the silent channel none (§9.3)', async () => {
    const result = await detectSilero(pool, await open(soxCheckFile('stereo_8k_ulaw.wav'), SILERO_NATIVE_RATES), SILERO_DEFAULTS);
    expect(result.rate).toBe(8000);
    expect(result.channels.map((c) => c.segments.length)).toEqual([40, 0]);
  });
});
