import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCmvn } from '../features/cmvn.js';
import { frameCount } from '../features/fbank.js';
import { FrontEnd, fbankStartFor, modelStartFor } from '../features/front-end.js';
import { type VadSession, createSession } from '../model/session.js';
import type { PieceTask } from '../types.js';
import { runPack, runPiece } from './piece-kernel.js';
import { MODEL_DIR, examplePcm } from '../testing/example-audio.js';



/** The piece keeping frames [keepFrom, keepTo) of a stream, with the samples spec §12 says it needs. */
function cutPiece(stream: Float32Array, keepFrom: number, keepTo: number, withEnergy = false): PieceTask {
  const lastFrame = frameCount(stream.length) - 1;
  const fbankStart = fbankStartFor(keepFrom);
  const lastRow = Math.min(lastFrame, keepTo + 1);
  return { samples: stream.slice(fbankStart * 160, lastRow * 160 + 400), fbankStart, keepFrom, keepTo, atStreamEnd: lastRow === lastFrame, withEnergy };
}

describe('piece kernel on the example', { timeout: 30_000 }, () => {
  const stream = examplePcm();
  const frames = frameCount(stream.length);
  const cuts = [0, 77, 78, 600, 1777, 4000, 7000, frames];
  const frontEnd = new FrontEnd(parseCmvn(readFileSync(join(MODEL_DIR, 'am.mvn'), 'utf8')));
  let session: VadSession;
  let oneCall: Float32Array;

  beforeAll(async () => {
    session = await createSession({ modelPath: join(MODEL_DIR, 'model.onnx'), provider: 'cpu' });
    oneCall = (await runPiece(cutPiece(stream, 0, frames), frontEnd, session)).silenceProbs;
  });
  afterAll(() => session.release());

  const pieces = () => cuts.slice(0, -1).map((from, i) => cutPiece(stream, from, cuts[i + 1]));

  it('solo pieces with zero caches and their left context are bit-identical to one call (spec §6.3)', async () => {
    const joined = new Float32Array(frames);
    for (const task of pieces()) joined.set((await runPiece(task, frontEnd, session)).silenceProbs, task.keepFrom);
    expect(joined).toEqual(oneCall);
  });

  it('a packed call gives every piece its solo result, bit for bit', async () => {
    const tasks = pieces();
    // Pieces 0 and 1 both start within 78 frames of the stream start, so each must open its own pack.
    const packs = [[tasks[0], tasks[2], tasks[3], tasks[4]], [tasks[1], tasks[5], tasks[6]]];
    for (const pack of packs) {
      const run = await runPack(pack, frontEnd, session);
      expect(run.frames).toBe(pack.reduce((n, t) => n + t.keepTo - modelStartFor(t.keepFrom), 0));
      for (const [i, task] of pack.entries()) {
        const outcome = run.outcomes[i];
        expect(outcome.ok).toBe(true);
        if (outcome.ok) expect(outcome.result.silenceProbs).toEqual(oneCall.subarray(task.keepFrom, task.keepTo));
      }
    }
  });

  it('refuses a stream-start piece anywhere but first in a pack', async () => {
    const [start, second] = pieces();
    await expect(runPack([second, start], frontEnd, session)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('a piece whose features fail fails alone', async () => {
    const good = cutPiece(stream, 600, 900);
    const short = { ...cutPiece(stream, 1000, 1200), samples: new Float32Array(800) };
    const run = await runPack([good, short], frontEnd, session);
    expect(run.outcomes[0]).toMatchObject({ ok: true });
    expect(run.outcomes[1]).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    if (run.outcomes[0].ok) expect(run.outcomes[0].result.silenceProbs).toEqual(oneCall.subarray(600, 900));
  });

  it('adds frame dB for the kept frames when asked', async () => {
    const result = await runPiece(cutPiece(stream, 0, 10, true), frontEnd, session);
    expect(result.frameDb).toHaveLength(10);
    // Spec §14: dB of frame 0 is −35.4318.
    expect(result.frameDb![0]).toBeCloseTo(-35.4318, 3);
    expect(result.timings.modelMs).toBeGreaterThanOrEqual(0);
  });
});
