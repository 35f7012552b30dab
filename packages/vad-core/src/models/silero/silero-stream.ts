/**
 * One channel through Silero on the inference pool: samples are pushed as they are decoded and sent in
 * runs of `chunkWindows` windows, one run in flight at a time (the next needs the state the previous one
 * ends with). Many streams in flight at once are what the pool packs into one batched call.
 */
import type { InferencePool } from '../../inference/inference-pool.js';
import { STATE_SIZE, geometryFor } from './windowing.js';

/** Windows per task: long enough that messaging is noise next to the model, short enough to stream. */
export const DEFAULT_CHUNK_WINDOWS = 256;

export class SileroStream {
  readonly window: number;
  private state: Float32Array<ArrayBufferLike> = new Float32Array(2 * STATE_SIZE);
  private context: Float32Array<ArrayBufferLike>;
  private pending: Float32Array;
  private pendingLength = 0;
  private probs = new Float32Array(1024);
  private probCount = 0;
  private inFlight: Promise<void> | undefined;
  private failure: unknown;
  private finishing = false;
  /** Samples pushed so far. */
  samplesSeen = 0;
  /** Model milliseconds of this stream's share of its calls. */
  modelMs = 0;

  constructor(
    private readonly pool: InferencePool<'silero'>,
    readonly rate: number,
    private readonly chunkWindows: number = DEFAULT_CHUNK_WINDOWS,
    private readonly signal?: AbortSignal,
  ) {
    const { window, context } = geometryFor(rate);
    this.window = window;
    this.context = new Float32Array(context);
    this.pending = new Float32Array(2 * chunkWindows * window);
  }

  /** Samples in int16 scale; copied, so the caller may reuse the array. */
  push(samples: Float32Array): void {
    this.throwIfFailed();
    if (this.pendingLength + samples.length > this.pending.length) {
      const grown = new Float32Array(Math.max(2 * this.pending.length, this.pendingLength + samples.length));
      grown.set(this.pending.subarray(0, this.pendingLength));
      this.pending = grown;
    }
    this.pending.set(samples, this.pendingLength);
    this.pendingLength += samples.length;
    this.samplesSeen += samples.length;
    this.pump();
  }

  /** Samples waiting for the model. */
  get buffered(): number {
    return this.pendingLength;
  }

  /** Waits for the run in flight (if any) to come back, so the caller can bound what it buffers. */
  async settle(): Promise<void> {
    await this.inFlight;
    this.throwIfFailed();
  }

  /** Sends the rest (the last window zero-padded) and resolves with P(speech) of every window. */
  async finish(): Promise<Float32Array> {
    this.finishing = true;
    this.pump();
    while (this.inFlight) await this.inFlight;
    this.throwIfFailed();
    return this.probs.subarray(0, this.probCount);
  }

  private pump(): void {
    if (this.inFlight || this.failure !== undefined) return;
    const chunk = this.chunkWindows * this.window;
    const take = this.pendingLength >= chunk ? chunk : this.finishing ? this.pendingLength : 0;
    if (take === 0) return;
    const samples = this.pool.sampleBuffer(take);
    samples.set(this.pending.subarray(0, take));
    this.pending.copyWithin(0, take, this.pendingLength);
    this.pendingLength -= take;
    const task = { samples, sampleRate: this.rate, state: this.state, context: this.context };
    this.inFlight = this.pool.run(task, this.signal).then(
      (result) => {
        this.state = result.state;
        this.context = result.context;
        this.modelMs += result.timings.modelMs;
        this.append(result.probs);
        this.inFlight = undefined;
        this.pump();
      },
      (err: unknown) => {
        this.failure = err;
        this.inFlight = undefined;
      },
    );
  }

  private append(p: Float32Array): void {
    if (this.probCount + p.length > this.probs.length) {
      const grown = new Float32Array(Math.max(2 * this.probs.length, this.probCount + p.length));
      grown.set(this.probs.subarray(0, this.probCount));
      this.probs = grown;
    }
    this.probs.set(p, this.probCount);
    this.probCount += p.length;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
