/**
 * Body of one inference worker thread: loads ONE onnxruntime session (1 intra-op thread) for its model at
 * start (plus FSMN's front end), then runs each batch it is sent as packed model calls and posts the
 * results back, transferring their buffers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toVadError } from '@vadfleet/shared/errors';
import { parseCmvn } from '../features/cmvn.js';
import { FrontEnd } from '../features/front-end.js';
import { createSession } from '../model/session.js';
import { createSileroSession } from '../models/silero/session.js';
import { type SileroTask, runSileroPack } from '../models/silero/stream-kernel.js';
import { runPack } from './piece-kernel.js';
import type { PieceTask } from '../types.js';
import type { ThreadCommand, ThreadEvent, ThreadInit } from './thread-protocol.js';

const port = parentPort!;
const init = workerData as ThreadInit;
const post = (event: ThreadEvent, transfer: ArrayBuffer[] = []) => port.postMessage(event, transfer);

type Done = Extract<ThreadEvent, { type: 'done' }>;
type Kernel = (tasks: PieceTask[] | SileroTask[]) => Promise<{ event: Done; transfer: ArrayBuffer[] }>;

try {
  let warning: string | undefined;
  let kernel: Kernel;
  let provider: Extract<ThreadEvent, { type: 'ready' }>['provider'];
  if (init.model === 'fsmn') {
    const frontEnd = new FrontEnd(parseCmvn(init.amMvnText));
    const session = await createSession({
      modelPath: init.modelPath,
      provider: init.provider,
      intraOpThreads: 1,
      silPdfIds: init.silPdfIds,
      onWarning: (message) => (warning = message),
    });
    provider = session.provider;
    kernel = async (tasks) => {
      const run = await runPack(tasks as PieceTask[], frontEnd, session);
      const transfer: ArrayBuffer[] = [];
      const outcomes = run.outcomes.map((o) => {
        if (!o.ok) return { ok: false as const, error: o.error.toData() };
        transfer.push(o.result.silenceProbs.buffer as ArrayBuffer);
        if (o.result.frameDb) transfer.push(o.result.frameDb.buffer as ArrayBuffer);
        return o;
      });
      return { event: { type: 'done', outcomes, frames: run.frames, modelMs: run.modelMs, featuresMs: run.featuresMs }, transfer };
    };
  } else {
    const session = await createSileroSession(init.modelPath, init.provider);
    provider = session.provider;
    kernel = async (tasks) => {
      const run = await runSileroPack(tasks as SileroTask[], session);
      const transfer = run.results.flatMap((r) => [r.probs.buffer, r.state.buffer, r.context.buffer] as ArrayBuffer[]);
      const outcomes = run.results.map((result) => ({ ok: true as const, result }));
      return { event: { type: 'done', outcomes, frames: run.windows, modelMs: run.modelMs, featuresMs: 0 }, transfer };
    };
  }
  // The pool may send the next batch while one runs: batches run one after another, in order.
  let work = Promise.resolve();
  port.on('message', (command: ThreadCommand) => {
    work = work.then(() => (command.type === 'close' ? port.close() : runBatch(command.tasks, kernel)));
  });
  post({ type: 'ready', provider, warning });
} catch (err) {
  post({ type: 'failed', error: toVadError(err).toData() });
}

async function runBatch(tasks: PieceTask[] | SileroTask[], kernel: Kernel): Promise<void> {
  try {
    const { event, transfer } = await kernel(tasks);
    post(event, transfer);
  } catch (err) {
    const error = toVadError(err).toData();
    post({ type: 'done', outcomes: tasks.map(() => ({ ok: false as const, error })), frames: 0, modelMs: 0, featuresMs: 0 });
  }
}
