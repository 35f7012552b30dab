/**
 * Batched across streams = unbatched, bit for bit (probabilities and segments): streams of both rates run
 * concurrently through the pool's threads (built dist: build vad-core first) with several streams per
 * call, against each stream alone in one in-process call sequence.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferencePool, type RunInfo } from '../../inference/inference-pool.js';
import { pcm16Samples } from '../../testing/example-audio.js';
import { HAS_SOX, sharedPcm, soxCheckFile } from '../../testing/silero-audio.js';
import { SILERO_DEFAULTS } from './params.js';
import { createSileroSession, type SileroSession } from './session.js';
import { speechSegments } from './speech-timestamps.js';
import { SileroStream } from './silero-stream.js';
import { runSileroPack } from './stream-kernel.js';
import { STATE_SIZE, geometryFor } from './windowing.js';
import { loadSileroWeights } from './weights.js';

interface Input {
  name: string;
  rate: number;
  samples: Float32Array;
}

function inputs(): Input[] {
  const list: Input[] = ['hello_zh.wav', 'hello_en.wav', 'event.wav', 'vad_example.wav'].map((name) => ({ name, rate: 16000, samples: sharedPcm(name) }));
  // A stream that is a prefix of another: same start, other end, in the same calls.
  list.push({ name: 'vad_example.wav[0:200000]', rate: 16000, samples: list[3].samples.slice(0, 200_000) });
  if (HAS_SOX) {
    const pcm8k = Float32Array.from(pcm16Samples(readFileSync(soxCheckFile('vad_example_8k.wav'))));
    list.push({ name: 'vad_example_8k.wav', rate: 8000, samples: pcm8k }, { name: '8k reversed', rate: 8000, samples: pcm8k.slice().reverse() });
  }
  return list;
}

describe('Silero batched across streams', { timeout: 300_000 }, () => {
  let session: SileroSession;
  const streams = inputs();
  const solo: Float32Array[] = [];

  beforeAll(async () => {
    session = await createSileroSession((await loadSileroWeights()).path, 'cpu');
    for (const s of streams) {
      const run = await runSileroPack([{ samples: s.samples, sampleRate: s.rate, state: new Float32Array(2 * STATE_SIZE), context: new Float32Array(geometryFor(s.rate).context) }], session);
      solo.push(run.results[0].probs);
    }
  }, 300_000);
  afterAll(() => session?.release());

  for (const { threads, maxBatch, chunkWindows } of [
    { threads: 1, maxBatch: 8, chunkWindows: 64 },
    { threads: 2, maxBatch: 3, chunkWindows: 100 },
  ]) {
    it(`${threads} thread(s), up to ${maxBatch} streams per call, runs of ${chunkWindows} windows`, async () => {
      const runs: RunInfo[] = [];
      const pool = await InferencePool.createSilero({ threads, maxBatch, onRun: (r) => runs.push(r) });
      try {
        const probs = await Promise.all(
          streams.map(async (s) => {
            const stream = new SileroStream(pool, s.rate, chunkWindows);
            // Pushed in blocks of odd sizes, as a decoder would.
            for (let i = 0; i < s.samples.length; i += 7919) stream.push(s.samples.subarray(i, i + 7919));
            return stream.finish();
          }),
        );
        streams.forEach((s, i) => {
          expect(probs[i], s.name).toEqual(solo[i]);
          const w = geometryFor(s.rate).window;
          expect(speechSegments(probs[i], s.samples.length, s.rate, w, SILERO_DEFAULTS)).toEqual(speechSegments(solo[i], s.samples.length, s.rate, w, SILERO_DEFAULTS));
        });
        expect(Math.max(...runs.map((r) => r.batchSize))).toBeGreaterThan(1);
      } finally {
        await pool.close();
      }
    });
  }
});
