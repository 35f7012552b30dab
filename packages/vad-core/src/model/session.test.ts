import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCmvn } from '../features/cmvn.js';
import { FrontEnd } from '../features/front-end.js';
import { CLASS_COUNT, type VadSession, createSession, executionProvidersFor } from './session.js';
import { MODEL_DIR, examplePcm } from '../testing/example-audio.js';

const MODEL = join(MODEL_DIR, 'model.onnx');


describe('executionProvidersFor', () => {
  it('maps each choice to the providers tried in order', () => {
    expect(executionProvidersFor('cpu')).toEqual(['cpu']);
    expect(executionProvidersFor('cuda')).toEqual(['cuda']);
    expect(executionProvidersFor('auto')).toEqual(['cuda', 'cpu']);
  });
});

describe('createSession errors', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'vad-session-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('a truncated model.onnx is MODEL_INVALID with the fix', async () => {
    const path = join(scratch, 'model.onnx');
    writeFileSync(path, readFileSync(MODEL).subarray(0, 50_000));
    const err = await createSession({ modelPath: path, provider: 'cpu' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_INVALID' });
    expect((err as Error).message).toContain('npm run model:fetch');
  });

  it('silence classes outside 0..247 are MODEL_INVALID', async () => {
    await expect(createSession({ modelPath: MODEL, provider: 'cpu', silPdfIds: [CLASS_COUNT] })).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });

  // Written for either kind of host: with a working CUDA the session must say so, without it the errors must.
  it('cuda either runs on CUDA or fails with PROVIDER_UNAVAILABLE naming the fix', async () => {
    const outcome = await createSession({ modelPath: MODEL, provider: 'cuda' }).then(
      async (s) => {
        await s.release();
        return s.provider;
      },
      (e: unknown) => e,
    );
    if (outcome === 'cuda') return;
    expect(outcome).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: expect.stringContaining('ONNXRUNTIME_NODE_INSTALL=cuda12') });
  });

  it('auto falls back to the CPU and warns once when CUDA cannot load', async () => {
    const warnings: string[] = [];
    const session = await createSession({ modelPath: MODEL, provider: 'auto', onWarning: (m) => warnings.push(m) });
    await session.release();
    if (session.provider === 'cuda') expect(warnings).toEqual([]);
    else expect(warnings).toHaveLength(1);
  });
});

describe('session on the example (spec §14)', { timeout: 30_000 }, () => {
  let session: VadSession;
  let silence: Float32Array;
  beforeAll(async () => {
    session = await createSession({ modelPath: MODEL, provider: 'cpu' });
    const samples = examplePcm();
    const frontEnd = new FrontEnd(parseCmvn(readFileSync(join(MODEL_DIR, 'am.mvn'), 'utf8')));
    const input = frontEnd.computeModelInput({ samples, fbankStart: 0, keepFrom: 0, keepTo: 7045, atStreamEnd: true, withEnergy: false });
    silence = await session.run(input.features, input.frames);
  });
  afterAll(() => session.release());

  it('runs on the CPU and gives P(silence) for every frame', () => {
    expect(session.provider).toBe('cpu');
    expect(silence).toHaveLength(7045);
  });

  it.each([
    [0, 0.5942283],
    [47, 0.001605117],
    [1000, 0.0004509764],
    [3000, 0.6291949],
    [7044, 0.4685254],
  ])('P(sil) of frame %i is %f within 1e-5', (frame, expected) => {
    // Tolerance from spec §14: the float64 front end agrees with FunASR's to ~1e-5 in P(sil).
    expect(Math.abs(silence[frame] - expected)).toBeLessThan(1e-5);
  });

  it('counts 5471 speech candidates at θ = 0.6', () => {
    let candidates = 0;
    for (const p of silence) if (1 - 2 * p >= 0.6) candidates++;
    expect(candidates).toBe(5471);
  });

  it('rejects input whose length is not frames × 400', async () => {
    await expect(session.run(new Float32Array(399), 1)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
