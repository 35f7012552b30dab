/**
 * Body of one inference worker thread: loads the front end and ONE onnxruntime session (1 intra-op thread)
 * at start, then runs each batch it is sent as one packed model call and posts the results back,
 * transferring their buffers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toVadError } from '@vadfleet/shared/errors';
import { parseCmvn } from '../features/cmvn.js';
import { FrontEnd } from '../features/front-end.js';
import { type VadSession, createSession } from '../model/session.js';
import { runPack } from './piece-kernel.js';
import type { PieceTask } from '../types.js';
import type { ThreadCommand, ThreadEvent, ThreadInit } from './thread-protocol.js';

const port = parentPort!;
const init = workerData as ThreadInit;
const post = (event: ThreadEvent, transfer: ArrayBuffer[] = []) => port.postMessage(event, transfer);

try {
  const frontEnd = new FrontEnd(parseCmvn(init.amMvnText));
  let warning: string | undefined;
  const session = await createSession({
    modelPath: init.modelPath,
    provider: init.provider,
    intraOpThreads: 1,
    silPdfIds: init.silPdfIds,
    onWarning: (message) => (warning = message),
  });
  // The pool may send the next batch while one runs: batches run one after another, in order.
  let work = Promise.resolve();
  port.on('message', (command: ThreadCommand) => {
    work = work.then(() => (command.type === 'close' ? port.close() : runBatch(command.tasks, frontEnd, session)));
  });
  post({ type: 'ready', provider: session.provider, warning });
} catch (err) {
  post({ type: 'failed', error: toVadError(err).toData() });
}

async function runBatch(tasks: PieceTask[], frontEnd: FrontEnd, session: VadSession): Promise<void> {
  try {
    const run = await runPack(tasks, frontEnd, session);
    const transfer: ArrayBuffer[] = [];
    const outcomes = run.outcomes.map((o) => {
      if (!o.ok) return { ok: false as const, error: o.error.toData() };
      transfer.push(o.result.silenceProbs.buffer as ArrayBuffer);
      if (o.result.frameDb) transfer.push(o.result.frameDb.buffer as ArrayBuffer);
      return o;
    });
    post({ type: 'done', outcomes, frames: run.frames, modelMs: run.modelMs, featuresMs: run.featuresMs }, transfer);
  } catch (err) {
    const error = toVadError(err).toData();
    post({ type: 'done', outcomes: tasks.map(() => ({ ok: false as const, error })), frames: 0, modelMs: 0, featuresMs: 0 });
  }
}
