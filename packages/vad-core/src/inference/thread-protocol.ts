/** Messages between InferencePool and its threads. Errors cross as `{code, message}` (ErrorData). */
import type { ErrorData } from '@vadfleet/shared/errors';
import type { ExecutionProvider, ProviderChoice } from '../model/session.js';
import type { PieceResult, PieceTask } from '../types.js';

export interface ThreadInit {
  modelPath: string;
  amMvnText: string;
  silPdfIds: number[];
  provider: ProviderChoice;
}

export type ThreadEvent =
  | { type: 'ready'; provider: ExecutionProvider; warning?: string }
  | { type: 'failed'; error: ErrorData }
  | {
      type: 'done';
      outcomes: ({ ok: true; result: PieceResult } | { ok: false; error: ErrorData })[];
      frames: number;
      modelMs: number;
      featuresMs: number;
    };

/** `close`: exit once the batch in progress (if any) is done; terminating a thread inside a native ORT run aborts the process. */
export type ThreadCommand = { type: 'run'; tasks: PieceTask[] } | { type: 'close' };
