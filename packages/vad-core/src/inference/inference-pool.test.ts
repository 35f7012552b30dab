/** The pool's threads run the compiled `dist/inference/inference-thread.js`: build vad-core first. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { frameCount } from '../features/fbank.js';
import { fbankStartFor } from '../features/front-end.js';
import type { PieceTask } from '../types.js';
import { loadModelFiles } from '../model/model-files.js';
import { InferencePool, type RunInfo } from './inference-pool.js';
import { MODEL_DIR } from '../testing/example-audio.js';

const FRAMES = 3000;

/** 30 s of deterministic test audio: tone bursts with noise between them. */
function syntheticStream(): Float32Array {
  const samples = new Float32Array((FRAMES - 1) * 160 + 400);
  let seed = 12345;
  for (let i = 0; i < samples.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const noise = (seed / 2 ** 32 - 0.5) * 200;
    const burst = Math.floor(i / 16000) % 3 !== 2 ? Math.sin(i * 0.07) * 3000 * (1 + Math.sin(i * 0.0009)) + Math.sin(i * 0.19) * 1500 : 0;
    samples[i] = Math.round(noise + burst);
  }
  return samples;
}

const stream = syntheticStream();

/** A fresh, owned piece keeping frames [keepFrom, keepTo) (the pool transfers its buffer away). */
function cutPiece(keepFrom: number, keepTo: number): PieceTask {
  const lastFrame = frameCount(stream.length) - 1;
  const fbankStart = fbankStartFor(keepFrom);
  const lastRow = Math.min(lastFrame, keepTo + 1);
  return { samples: stream.slice(fbankStart * 160, lastRow * 160 + 400), fbankStart, keepFrom, keepTo, atStreamEnd: lastRow === lastFrame, withEnergy: false };
}

const PIECE_FRAMES = 250;
const bounds = Array.from({ length: FRAMES / PIECE_FRAMES }, (_, i) => [i * PIECE_FRAMES, (i + 1) * PIECE_FRAMES] as const);

async function runAll(pool: InferencePool): Promise<Float32Array[]> {
  const results = await Promise.all(bounds.map(([from, to]) => pool.run(cutPiece(from, to))));
  return results.map((r) => r.silenceProbs);
}

/** The pool's threads, for the tests that must kill one from outside. */
const workersOf = (pool: InferencePool) => (pool as unknown as { slots: { worker: Worker }[] }).slots.map((s) => s.worker);

// Generous timeout: the machine's two cores are shared with other test runs.
describe('InferencePool', { timeout: 30_000 }, () => {
  const pools: InferencePool[] = [];
  const open = async (options: Partial<Parameters<typeof InferencePool.create>[0]>) => {
    const pool = await InferencePool.create({ files: await loadModelFiles(MODEL_DIR), ...options });
    pools.push(pool);
    return pool;
  };
  afterAll(() => Promise.all(pools.map((p) => p.close())));

  let solo: Float32Array[];

  it('computes every piece with one thread', async () => {
    const pool = await open({ threads: 1 });
    expect(pool.stats()).toEqual({ threads: 1, maxBatch: 1, inFlightRuns: 0, queued: 0, provider: 'cpu' });
    expect(pool.model.name).toBe('fsmn-vad');
    solo = await runAll(pool);
    expect(solo.map((s) => s.length)).toEqual(bounds.map(([a, b]) => b - a));
  });

  it('gives the same results with two threads, never running more than two model calls at once', async () => {
    const inFlight: number[] = [];
    const pool = await open({ threads: 2, onInFlightRunsChange: (n) => inFlight.push(n) });
    expect(await runAll(pool)).toEqual(solo);
    expect(Math.max(...inFlight)).toBe(2);
    expect(pool.stats()).toMatchObject({ threads: 2, inFlightRuns: 0, queued: 0 });
  });

  it('packs queued pieces with maxBatch 4, bit-identical to solo runs', async () => {
    const runs: RunInfo[] = [];
    const pool = await open({ threads: 2, maxBatch: 4, onRun: (r) => runs.push(r) });
    expect(await runAll(pool)).toEqual(solo);
    expect(runs.reduce((n, r) => n + r.batchSize, 0)).toBe(bounds.length);
    expect(Math.max(...runs.map((r) => r.batchSize))).toBe(4);
  });

  it('a failing piece rejects alone, also inside a packed call', async () => {
    const pool = await open({ threads: 1, maxBatch: 4 });
    const broken = { ...cutPiece(1000, 1250), samples: new Float32Array(800) };
    const settled = await Promise.allSettled([pool.run(cutPiece(500, 750)), pool.run(cutPiece(750, 1000)), pool.run(broken), pool.run(cutPiece(1250, 1500))]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'INTERNAL' });
    expect((settled[3] as PromiseFulfilledResult<{ silenceProbs: Float32Array }>).value.silenceProbs).toEqual(solo[5]);
  });

  it('a piece whose buffer was already transferred fails alone', async () => {
    const pool = await open({ threads: 1 });
    const task = cutPiece(0, 250);
    await pool.run(task);
    await expect(pool.run(task)).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('its own buffer') });
    expect((await pool.run(cutPiece(0, 250))).silenceProbs).toEqual(solo[0]);
    expect(pool.stats()).toMatchObject({ inFlightRuns: 0, queued: 0 });
  });

  it('hands sample buffers back for reuse: a recycled buffer gives the same result', async () => {
    const pool = await open({ threads: 1 });
    const onBuffer = (task: PieceTask): PieceTask => {
      const samples = pool.sampleBuffer(task.samples.length);
      samples.set(task.samples);
      return { ...task, samples };
    };
    const first = onBuffer(cutPiece(250, 500));
    const [firstBytes, firstLength] = [first.samples.buffer.byteLength, first.samples.length];
    expect((await pool.run(first)).silenceProbs).toEqual(solo[1]);
    // A shorter piece gets the returned buffer (a view on its start), not a new one of its own size.
    const second = onBuffer(cutPiece(500, 600));
    expect(second.samples.buffer.byteLength).toBe(firstBytes);
    expect(second.samples.length).toBeLessThan(firstLength);
    expect((await pool.run(second)).silenceProbs).toEqual((await pool.run(cutPiece(500, 600))).silenceProbs);
  });

  it('aborting removes a queued piece and drops a running one', async () => {
    const pool = await open({ threads: 1 });
    const running = new AbortController();
    const queued = new AbortController();
    const first = pool.run(cutPiece(0, 250), running.signal);
    // The thread holds one piece running and one sent ahead; the third waits in the pool's queue.
    const second = pool.run(cutPiece(250, 500));
    const third = pool.run(cutPiece(500, 750), queued.signal);
    expect(pool.stats()).toMatchObject({ inFlightRuns: 1, queued: 1 });
    queued.abort();
    expect(pool.stats().queued).toBe(0);
    running.abort();
    await expect(first).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    await expect(third).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    expect((await second).silenceProbs).toEqual(solo[1]);
    await expect(pool.run(cutPiece(0, 250), AbortSignal.abort())).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
  });

  it('replaces a thread that dies and rejects its pieces with INTERNAL', async () => {
    const pool = await open({ threads: 1 });
    const lost = pool.run(cutPiece(0, 250));
    const [worker] = workersOf(pool);
    void worker.terminate();
    await expect(lost).rejects.toMatchObject({ code: 'INTERNAL' });
    expect((await pool.run(cutPiece(250, 500))).silenceProbs).toEqual(solo[1]);
    expect(workersOf(pool)).toHaveLength(1);
    expect(workersOf(pool)[0]).not.toBe(worker);
  });

  it('close() rejects waiting pieces and ends the threads', async () => {
    const pool = await InferencePool.create({ files: await loadModelFiles(MODEL_DIR), threads: 2 });
    const workers = workersOf(pool);
    const exits = workers.map((w) => new Promise((resolve) => w.once('exit', resolve)));
    const pending = Promise.allSettled([pool.run(cutPiece(0, 250)), pool.run(cutPiece(250, 500)), pool.run(cutPiece(500, 750))]);
    await pool.close();
    await Promise.all(exits);
    for (const p of await pending) expect(p).toMatchObject({ status: 'rejected', reason: { code: 'INTERNAL' } });
    await expect(pool.run(cutPiece(0, 250))).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(pool.stats()).toMatchObject({ threads: 0, inFlightRuns: 0, queued: 0 });
  });
});

describe('InferencePool.create errors', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'vad-pool-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("a thread's load error comes back as the same VadError", async () => {
    const dir = join(scratch, 'truncated');
    mkdirSync(dir);
    for (const file of ['am.mvn', 'config.yaml']) copyFileSync(join(MODEL_DIR, file), join(dir, file));
    writeFileSync(join(dir, 'model.onnx'), readFileSync(join(MODEL_DIR, 'model.onnx')).subarray(0, 50_000));
    const err = await loadModelFiles(dir).then((files) => InferencePool.create({ files, threads: 2 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'VadError', code: 'MODEL_INVALID', message: expect.stringContaining('npm run model:fetch') });
  });
});
