/**
 * Silero through `Vad.detect` (built dist): the model the parameters name runs, with its identity in the
 * result; a stereo 8 kHz μ-law call channel by channel; and hostile input fails with the same codes as FSMN.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveVadParams } from '@vadfleet/shared/vad-params';
import { Vad } from '../dist/index.js';
import { expectVadError } from '../src/audio/testing/expect-vad-error.js';
import { fmtChunk, riffFile, chunk } from '../src/audio/testing/wav-writer.js';
import { HAS_SOX, soxCheckFile } from '../src/testing/silero-audio.js';
import { EXAMPLE_WAV, MODEL_DIR, exampleBytes } from './fixtures.js';

const SILERO = resolveVadParams({ model: 'silero' });
const FSMN = resolveVadParams();

let vad: Vad;
beforeAll(async () => {
  vad = await Vad.create({ modelDir: MODEL_DIR });
}, 120_000);
afterAll(() => vad?.close());

describe('Vad with model silero', { timeout: 300_000 }, () => {
  it("runs Silero: silero-vad.md §9.1's 42 segments, the model's name, version and weights hash", async () => {
    const result = await vad.detect(EXAMPLE_WAV, { params: SILERO });
    expect(result.channels[0].segments).toHaveLength(42);
    expect(result.channels[0].segments[0]).toEqual([450, 1438]);
    expect(result.model).toEqual({ name: 'silero-vad', version: '6.2', sha256: '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3' });
    expect(result.params).toEqual(SILERO);
    expect(result.durationMs).toBe(70471);
    expect(await vad.modelFor('silero')).toEqual(result.model);
    // The default model is unchanged beside it.
    expect((await vad.detect(EXAMPLE_WAV, { params: FSMN })).model).toEqual(vad.model);
  });

  it.skipIf(!HAS_SOX)('a stereo 8 kHz μ-law call runs natively, channel by channel (§9.3: 40 segments, the silent channel none)', async () => {
    const result = await vad.detect(readFileSync(soxCheckFile('stereo_8k_ulaw.wav')), { params: SILERO });
    expect(result.sampleRate).toBe(8000);
    expect(result.channels.map((c) => c.segments.length)).toEqual([40, 0]);
  });

  it('hostile input fails with the same error codes as FSMN', async () => {
    const bytes = exampleBytes();
    const cases: [string, Uint8Array | string][] = [
      ['empty', new Uint8Array(0)],
      ['cut inside the header', bytes.subarray(0, 20)],
      ['not audio', Uint8Array.from('hello, this is not an audio file at all', (c) => c.charCodeAt(0))],
      ['missing file', '/nonexistent/audio.wav'],
      ['9 channels', riffFile([fmtChunk({ formatTag: 1, channels: 9, sampleRate: 16000, bitsPerSample: 16 }), chunk('data', new Uint8Array(18 * 100))])],
      ['rate 0', riffFile([fmtChunk({ formatTag: 1, channels: 1, sampleRate: 0, bitsPerSample: 16 }), chunk('data', new Uint8Array(200))])],
      ['no samples', riffFile([fmtChunk({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 }), chunk('data', new Uint8Array(0))])],
    ];
    for (const [name, input] of cases) {
      const fsmn = await vad.detect(input, { params: FSMN }).then(() => 'ok', (err: { code?: string }) => err.code);
      expect(fsmn, name).not.toBe('ok');
      await expectVadError(vad.detect(input, { params: SILERO }), fsmn as never);
    }
  });
});
