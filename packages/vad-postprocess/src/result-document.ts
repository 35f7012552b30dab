/**
 * What a detection job stores: the result JSON (the detection's segments and metadata, QA statistics for
 * two-channel calls, the job's identity) and the per-frame probabilities beside it (re-scoring reads them).
 */
import { computeCallQa, type CallQa, type CallRole } from '@vadfleet/qa-analytics/call-qa';
import { encodeFrameProbs, type FrameProbs } from './frame-probs.js';
import type { Segment } from './segment.js';

export interface DetectedSegments {
  durationMs: number;
  channels: { channel: number; segments: Segment[] }[];
}

export interface ResultIdentity {
  jobId: string;
  input: { bucket: string; key: string };
  /** Channel → role for the QA statistics; default channel 0 agent, 1 customer. */
  roles?: Record<string, CallRole>;
  /** The job's speech export listing, when it asked for one. */
  speech?: unknown;
}

export type ResultJson<R> = R & { qa: CallQa | undefined; jobId: string; input: { bucket: string; key: string }; cached: false; speech: unknown };

/** `probs` undefined: a model whose probabilities are not stored (only FSMN's are, so far; its jobs alone can be re-scored). */
export function buildResultDocument<R extends DetectedSegments>(result: R, probs: FrameProbs | undefined, { jobId, input, roles, speech }: ResultIdentity): { json: ResultJson<R>; frameProbs?: Uint8Array } {
  return { json: { ...result, qa: callQa(result, roles), jobId, input: { bucket: input.bucket, key: input.key }, cached: false, speech }, frameProbs: probs && encodeFrameProbs(probs) };
}

/** QA statistics for two-channel calls; none for other channel counts (or empty audio). */
function callQa(result: DetectedSegments, roles?: Record<string, CallRole>): CallQa | undefined {
  if (result.channels.length !== 2 || result.durationMs <= 0) return undefined;
  return computeCallQa({ channels: result.channels.map((c) => c.segments), durationMs: result.durationMs, roles: roles && Object.fromEntries(Object.entries(roles).map(([c, r]) => [Number(c), r])) });
}
