/** Messages between InferencePool and its threads. Errors cross as `{code, message}` (ErrorData). */
import type { ErrorData } from '@vadfleet/shared/errors';
import type { ExecutionProvider, ProviderChoice } from '../model/session.js';
import type { SileroResult, SileroTask } from '../models/silero/stream-kernel.js';
import type { PieceResult, PieceTask } from '../types.js';

/** What a thread computes, per model: FSMN's independent pieces, or runs of Silero windows with their state. */
export interface ModelTasks {
  fsmn: { task: PieceTask; result: PieceResult };
  silero: { task: SileroTask; result: SileroResult };
}
export type ModelKind = keyof ModelTasks;
export type TaskOf<M extends ModelKind> = ModelTasks[M]['task'];
export type ResultOf<M extends ModelKind> = ModelTasks[M]['result'];

export type ThreadInit =
  | { model: 'fsmn'; modelPath: string; amMvnText: string; silPdfIds: number[]; provider: ProviderChoice }
  | { model: 'silero'; modelPath: string; provider: ProviderChoice };

export type ThreadEvent =
  | { type: 'ready'; provider: ExecutionProvider; warning?: string }
  | { type: 'failed'; error: ErrorData }
  | {
      type: 'done';
      outcomes: ({ ok: true; result: PieceResult | SileroResult } | { ok: false; error: ErrorData })[];
      /** Model frames (FSMN) or window-rows (Silero) computed. */
      frames: number;
      modelMs: number;
      featuresMs: number;
    };

/** `close`: exit once the batch in progress (if any) is done; terminating a thread inside a native ORT run aborts the process. */
export type ThreadCommand = { type: 'run'; tasks: PieceTask[] | SileroTask[] } | { type: 'close' };
