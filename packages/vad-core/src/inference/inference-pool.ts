/**
 * A pool of worker_threads that run a model off the main thread: onnxruntime-node runs it synchronously
 * on the calling thread, so the main thread keeps only ordering, post-processing and I/O. FSMN tasks are
 * pieces (features + model, PieceTask → PieceResult; piece-kernel.ts); Silero tasks are runs of one
 * stream's windows with the stream's state (SileroTask → SileroResult; models/silero/stream-kernel.ts).
 * Tasks from every caller share one FIFO queue; with maxBatch > 1 a free thread takes several queued
 * tasks and runs them as one packed model call (FSMN: packed along time; Silero: one batch row per stream).
 */
import { Worker } from 'node:worker_threads';
import { VadError } from '@vadfleet/shared/errors';
import type { ModelFiles } from '../model/model-files.js';
import { disableOrtTelemetry, type ExecutionProvider, type ProviderChoice } from '../model/session.js';
import type { SileroTask } from '../models/silero/stream-kernel.js';
import { loadSileroWeights } from '../models/silero/weights.js';
import type { PieceTask } from '../types.js';
import { startsAtStreamStart } from './piece-kernel.js';
import type { ModelKind, ResultOf, TaskOf, ThreadCommand, ThreadEvent, ThreadInit } from './thread-protocol.js';

/**
 * The compiled thread script next to this file. Under vitest this module runs from src/ as .ts, where no
 * .js exists: the threads then run the built dist/ (build before testing).
 */
const THREAD_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/inference/inference-thread.js', import.meta.url)
  : new URL('./inference-thread.js', import.meta.url);

export interface InferencePoolOptions extends PoolOptions {
  /** Loaded by the caller (Vad.create), once: the threads receive the model path and the parsed texts. */
  files: ModelFiles;
}

/** Options common to every model's pool. */
export interface PoolOptions {
  /** Execution provider. `auto` tries CUDA and falls back to CPU, reporting it once via onWarning. Default 'cpu'. */
  provider?: ProviderChoice;
  /** Worker threads, each with one session of 1 intra-op thread. Default 1. */
  threads?: number;
  /** Most queued tasks one thread packs into one model call. Default 1 (no packing). */
  maxBatch?: number;
  /** Called once if `auto` fell back to the CPU. */
  onWarning?: (message: string) => void;
  /** Called after every model call, for metrics. */
  onRun?: (run: RunInfo) => void;
  /** Called synchronously whenever the number of model calls in progress changes. */
  onInFlightRunsChange?: (inFlightRuns: number) => void;
}

export interface RunInfo {
  /** Tasks in the call. */
  batchSize: number;
  /** Model frames in the call (FSMN: kept plus left context; Silero: window-rows). */
  frames: number;
  modelMs: number;
  featuresMs: number;
}

export interface InferencePoolStats {
  threads: number;
  maxBatch: number;
  /** Threads currently running a batch. */
  inFlightRuns: number;
  /** Tasks waiting for a thread. */
  queued: number;
  provider: ExecutionProvider;
}

interface Entry<M extends ModelKind> {
  task: TaskOf<M>;
  state: 'queued' | 'running' | 'settled';
  resolve(result: ResultOf<M>): void;
  reject(error: VadError): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Slot<M extends ModelKind> {
  worker: Worker;
  /** Batches sent and not yet answered, oldest (running) first. */
  batches: Entry<M>[][];
  detach(): void;
}

/**
 * Batches sent to a thread ahead of its answers: one running and one waiting in its port, so a thread
 * starts its next batch without waiting for the main thread (busy with I/O, hashing, GC) to notice.
 */
const THREAD_DEPTH = 2;

/**
 * Shared sample buffers kept for reuse. Pieces are ~2 MB each; a shared buffer is only referenced by the
 * thread and is free again once its batch is done, so no piece allocates, zeroes and later frees its
 * own (measured: a third of the main thread's young-generation collections).
 */
const MAX_SPARE_BUFFERS = 16;

export class InferencePool<M extends ModelKind = 'fsmn'> {
  /** Model identity for results and logs: `name` (fsmn-vad, fsmn-vad-int8, custom:… or silero-vad) and file SHA-256. */
  readonly model: { name: string; sha256: string };
  private readonly slots: Slot<M>[] = [];
  /** FIFO with lazy deletion: aborted entries stay until a dispatch skips them. */
  private queue: Entry<M>[] = [];
  private queueHead = 0;
  private queuedCount = 0;
  private inFlight = 0;
  private spare: SharedArrayBuffer[] = [];
  private closed = false;
  private warned = false;
  /** What the threads report (all threads resolve the same choice the same way). */
  private provider: ExecutionProvider = 'cpu';

  private constructor(
    private readonly init: ThreadInit,
    private readonly options: PoolOptions & { threads: number; maxBatch: number },
    model: { name: string; sha256: string },
  ) {
    this.model = model;
  }

  /** FSMN: starts the threads and resolves when every thread has its session ready. */
  static async create(options: InferencePoolOptions): Promise<InferencePool<'fsmn'>> {
    const { files } = options;
    const init: ThreadInit = { model: 'fsmn', modelPath: files.modelPath, amMvnText: files.amMvnText, silPdfIds: files.postConfig.silPdfIds, provider: options.provider ?? 'cpu' };
    return InferencePool.start<'fsmn'>(init, options, { name: files.name, sha256: files.sha256 });
  }

  /** Silero VAD v6.2: checks the weights' hash, then as create(). */
  static async createSilero(options: PoolOptions): Promise<InferencePool<'silero'>> {
    const weights = await loadSileroWeights();
    const init: ThreadInit = { model: 'silero', modelPath: weights.path, provider: options.provider ?? 'cpu' };
    return InferencePool.start<'silero'>(init, options, { name: weights.name, sha256: weights.sha256 });
  }

  private static async start<K extends ModelKind>(init: ThreadInit, options: PoolOptions, model: { name: string; sha256: string }): Promise<InferencePool<K>> {
    const threads = options.threads ?? 1;
    const maxBatch = options.maxBatch ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new VadError('INVALID_PARAMS', `threads must be an integer ≥ 1, got ${threads}.`, { field: 'threads' });
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new VadError('INVALID_PARAMS', `maxBatch must be an integer ≥ 1, got ${maxBatch}.`, { field: 'maxBatch' });
    const pool = new InferencePool<K>(init, { ...options, threads, maxBatch }, model);
    disableOrtTelemetry();
    // Each thread joins as soon as it is ready, so one that dies while the others start is already watched.
    const started = await Promise.allSettled(Array.from({ length: threads }, () => startThread(init).then((t) => pool.adopt(t))));
    const failure = started.find((s) => s.status === 'rejected');
    if (failure) {
      await pool.close();
      throw failure.reason;
    }
    return pool;
  }

  /**
   * Computes one piece. `task.samples` comes from sampleBuffer() (lent to a thread, back in the pool
   * once its batch is done) or is on an ArrayBuffer the caller owns, which is transferred (detached
   * here). If `signal` aborts while the task waits, it leaves the queue; if it aborts
   * while running, the promise rejects at once and the result is dropped when it arrives.
   */
  run(task: TaskOf<M>, signal?: AbortSignal): Promise<ResultOf<M>> {
    if (this.closed) return Promise.reject(new VadError('INTERNAL', 'The inference pool is closed.'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    // A transferred buffer reads as empty, and Node drops (without an error) a message that names it again.
    if (task.samples.length === 0) {
      return Promise.reject(new VadError('INTERNAL', 'The piece has no samples: was its buffer already passed to run()? Pass each run() its own buffer.'));
    }
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const entry: Entry<M> = { task, state: 'queued', resolve, reject, signal };
      if (signal) {
        entry.onAbort = () => {
          if (entry.state === 'queued') this.queuedCount--;
          this.settle(entry, abortError(signal));
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.queue.push(entry);
      this.queuedCount++;
      this.dispatch();
    });
  }

  /**
   * A Float32Array of `length` samples for a task, on a shared buffer an earlier task has finished with
   * when one is large enough (then a view on its start). Contents are not zeroed. Pass it to run() once:
   * it returns to the pool when the task's batch is done.
   */
  sampleBuffer(length: number): Float32Array {
    const bytes = length * Float32Array.BYTES_PER_ELEMENT;
    const i = this.spare.findIndex((b) => b.byteLength >= bytes);
    const buffer = i >= 0 ? this.spare.splice(i, 1)[0] : new SharedArrayBuffer(bytes);
    return new Float32Array(buffer, 0, length);
  }

  stats(): InferencePoolStats {
    return { threads: this.slots.length, maxBatch: this.options.maxBatch, inFlightRuns: this.inFlight, queued: this.queuedCount, provider: this.provider };
  }

  /** Rejects queued and running tasks; each thread exits once its current model call (if any) returns. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new VadError('INTERNAL', 'The inference pool was closed.');
    for (let i = this.queueHead; i < this.queue.length; i++) this.settle(this.queue[i], error);
    this.queue = [];
    this.queueHead = 0;
    this.queuedCount = 0;
    this.spare = [];
    const slots = this.slots.splice(0);
    for (const slot of slots) for (const entry of slot.batches.flat()) this.settle(entry, error);
    this.setInFlight(0);
    await Promise.all(
      slots.map((slot) => {
        slot.detach(); // a batch finishing after close must not touch the counters
        const exited = new Promise((resolve) => slot.worker.once('exit', resolve));
        slot.worker.postMessage({ type: 'close' } satisfies ThreadCommand);
        return exited;
      }),
    );
  }

  private adopt(thread: StartedThread): void {
    this.provider = thread.provider;
    if (thread.warning && !this.warned) {
      this.warned = true;
      this.options.onWarning?.(thread.warning);
    }
    const onMessage = (event: ThreadEvent) => {
      if (event.type === 'done') this.finish(slot, event);
    };
    const onError = (err: Error) => this.lose(slot, err);
    const onExit = (code: number) => this.lose(slot, new Error(`exit code ${code}`));
    const { worker } = thread;
    const slot: Slot<M> = {
      worker,
      batches: [],
      detach: () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      },
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    this.slots.push(slot);
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      while (slot.batches.length < THREAD_DEPTH && this.queuedCount > 0) this.send(slot, this.takeBatch());
    }
  }

  private send(slot: Slot<M>, batch: Entry<M>[]): void {
    const tasks = batch.map((e) => e.task) as PieceTask[] | SileroTask[];
    const transfer = new Set<ArrayBuffer>();
    for (const t of tasks) if (t.samples.buffer instanceof ArrayBuffer) transfer.add(t.samples.buffer);
    const command: ThreadCommand = { type: 'run', tasks };
    try {
      slot.worker.postMessage(command, [...transfer]);
    } catch (err) {
      // A task that cannot be cloned: the batch fails, the thread stays free.
      const error = new VadError('INTERNAL', `Pieces could not be sent to an inference thread (${(err as Error).message}).`);
      for (const entry of batch) this.settle(entry, error);
      return;
    }
    slot.batches.push(batch);
    if (slot.batches.length === 1) this.setInFlight(this.inFlight + 1);
  }

  /**
   * Up to maxBatch live entries in FIFO order. FSMN: a stream-start piece may only open a batch (spec
   * §6.3). Silero: one sample rate per batch (the rate selects the network).
   */
  private takeBatch(): Entry<M>[] {
    const batch: Entry<M>[] = [];
    while (this.queueHead < this.queue.length && batch.length < this.options.maxBatch) {
      const entry = this.queue[this.queueHead];
      if (entry.state !== 'queued') {
        this.queueHead++;
        continue;
      }
      if (batch.length > 0 && !this.joins(batch[0].task, entry.task)) break;
      this.queueHead++;
      entry.state = 'running';
      this.queuedCount--;
      batch.push(entry);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return batch;
  }

  private joins(first: TaskOf<M>, task: TaskOf<M>): boolean {
    if (this.init.model === 'fsmn') return !startsAtStreamStart(task as PieceTask);
    return (first as SileroTask).sampleRate === (task as SileroTask).sampleRate;
  }

  private finish(slot: Slot<M>, event: Extract<ThreadEvent, { type: 'done' }>): void {
    const batch = slot.batches.shift() ?? [];
    if (slot.batches.length === 0) this.setInFlight(this.inFlight - 1);
    batch.forEach((entry, i) => {
      const outcome = event.outcomes[i];
      if (outcome?.ok) this.settle(entry, undefined, outcome.result as ResultOf<M>);
      else this.settle(entry, VadError.fromData(outcome?.error));
    });
    for (const entry of batch) {
      const buffer = entry.task.samples.buffer;
      // A buffer listed twice would be handed to two pieces at once.
      if (buffer instanceof SharedArrayBuffer && this.spare.length < MAX_SPARE_BUFFERS && !this.spare.includes(buffer)) this.spare.push(buffer);
    }
    if (event.frames > 0) this.options.onRun?.({ batchSize: batch.length, frames: event.frames, modelMs: event.modelMs, featuresMs: event.featuresMs });
    this.dispatch();
  }

  /** A thread died: its tasks fail with INTERNAL and a new thread takes its place. */
  private lose(slot: Slot<M>, cause: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.closed) return;
    this.slots.splice(index, 1);
    slot.detach();
    void slot.worker.terminate();
    if (slot.batches.length > 0) {
      this.setInFlight(this.inFlight - 1);
      const error = new VadError('INTERNAL', `An inference thread stopped unexpectedly (${cause.message}); its pieces were not computed.`);
      for (const entry of slot.batches.flat()) this.settle(entry, error);
    }
    startThread(this.init).then(
      (thread) => (this.closed ? void thread.worker.terminate() : this.adopt(thread)),
      (err: VadError) => {
        // No replacement: once no thread is left, waiting tasks can never run.
        if (this.slots.length > 0 || this.closed) return;
        for (let i = this.queueHead; i < this.queue.length; i++) if (this.queue[i].state === 'queued') this.settle(this.queue[i], err);
        this.queuedCount = 0;
      },
    );
  }

  private settle(entry: Entry<M>, error: VadError | undefined, result?: ResultOf<M>): void {
    if (entry.state === 'settled') return;
    entry.state = 'settled';
    if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
    if (error) entry.reject(error);
    else entry.resolve(result!);
  }

  private setInFlight(value: number): void {
    if (value === this.inFlight) return;
    this.inFlight = value;
    this.options.onInFlightRunsChange?.(value);
  }
}

interface StartedThread {
  worker: Worker;
  provider: ExecutionProvider;
  warning?: string;
}

function startThread(init: ThreadInit): Promise<StartedThread> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(THREAD_URL, { workerData: init });
    // Only our own listeners come off: Worker keeps internal ones of its own.
    const detach = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const fail = (error: VadError) => {
      detach();
      void worker.terminate();
      reject(error);
    };
    const onMessage = (event: ThreadEvent) => {
      if (event.type === 'ready') {
        detach();
        resolve({ worker, provider: event.provider, warning: event.warning });
      } else if (event.type === 'failed') fail(VadError.fromData(event.error));
      else fail(new VadError('INTERNAL', `Inference thread sent "${event.type}" before it was ready.`));
    };
    const onError = (err: Error) => fail(new VadError('INTERNAL', `An inference thread failed to start: ${err.message}`, { cause: err }));
    const onExit = (code: number) => fail(new VadError('INTERNAL', `An inference thread exited with code ${code} while starting.`));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

function abortError(signal: AbortSignal): VadError {
  return signal.reason instanceof VadError ? signal.reason : new VadError('JOB_CANCELLED', 'The piece was cancelled before its result was used.');
}
