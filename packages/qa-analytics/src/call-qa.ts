import { VadError } from '@vadfleet/shared/errors';
import { CALL_QA_VERSION, callRoleSchema, type CallQa, type CallRole } from './call-qa-schema.js';
import { computeChannelQa } from './channel-qa.js';
import { computeConversationQa } from './conversation-qa.js';
import { assertValidSegments, toSpeechRuns, type Segment } from './speech-runs.js';

export type { Segment } from './speech-runs.js';
export type { CallQa, CallRole, ChannelQa, ConversationQa, TimeSpan } from './call-qa-schema.js';

/** Channel 0 is the agent, channel 1 the customer (the usual stereo call recording). */
export const DEFAULT_ROLES: Readonly<Record<number, CallRole>> = { 0: 'agent', 1: 'customer' };

/** The other channel must stop within this time of the interrupter's start. */
export const DEFAULT_INTERRUPTION_WINDOW_MS = 2000;

export interface CallQaInput {
  /** Per channel: speech segments in ms, sorted, non-overlapping (touching allowed). */
  channels: readonly (readonly Segment[])[];
  /** Length of the call in ms (> 0); every segment must end at or before it. */
  durationMs: number;
  /** Role per channel index; replaces `DEFAULT_ROLES` entirely when given. */
  roles?: Readonly<Record<number, CallRole>>;
  /** @defaultValue DEFAULT_INTERRUPTION_WINDOW_MS */
  interruptionWindowMs?: number;
}

/**
 * QA numbers of one call: per-channel talk time and dead air for any number of channels, plus
 * overtalk, talk ratio, turns, interruptions, customer wait and whole-call dead air for two-channel
 * calls. Throws VadError('INVALID_PARAMS') naming the offending field on malformed input.
 */
export function computeCallQa(input: CallQaInput): CallQa {
  const { channels, durationMs } = input;
  const interruptionWindowMs = input.interruptionWindowMs ?? DEFAULT_INTERRUPTION_WINDOW_MS;
  if (!Number.isFinite(durationMs) || durationMs <= 0) {
    throw new VadError('INVALID_PARAMS', `durationMs must be a positive number of milliseconds, got ${durationMs}.`, { field: 'durationMs' });
  }
  if (!Number.isFinite(interruptionWindowMs) || interruptionWindowMs < 0) {
    throw new VadError('INVALID_PARAMS', `interruptionWindowMs must be ≥ 0, got ${interruptionWindowMs}.`, { field: 'interruptionWindowMs' });
  }
  if (channels.length === 0) {
    throw new VadError('INVALID_PARAMS', 'channels must list at least one channel (an empty list for a channel without speech).', { field: 'channels' });
  }
  const roles = resolveRoles(input.roles ?? DEFAULT_ROLES, channels.length);

  const runs = channels.map((segments, channel) => {
    assertValidSegments(segments, durationMs, channel);
    return toSpeechRuns(segments);
  });
  const channelQa = channels.map((segments, channel) => computeChannelQa(channel, roles[channel], segments, runs[channel], durationMs));

  let conversation: CallQa['conversation'] = null;
  if (channels.length === 2) {
    const agentChannel = roles.indexOf('agent');
    const customerChannel = roles.indexOf('customer');
    if (agentChannel === -1 || customerChannel === -1) {
      throw new VadError('INVALID_PARAMS', `A two-channel call needs one agent and one customer channel, got roles ${JSON.stringify(roles)}.`, { field: 'roles' });
    }
    conversation = computeConversationQa({
      agentChannel,
      customerChannel,
      agentRuns: runs[agentChannel],
      customerRuns: runs[customerChannel],
      durationMs,
      interruptionWindowMs,
    });
  }
  return { version: CALL_QA_VERSION, durationMs, interruptionWindowMs, channels: channelQa, conversation };
}

function resolveRoles(roles: Readonly<Record<number, CallRole>>, channelCount: number): (CallRole | null)[] {
  for (const [key, role] of Object.entries(roles)) {
    const channel = Number(key);
    if (!Number.isInteger(channel) || channel < 0) {
      throw new VadError('INVALID_PARAMS', `roles keys are channel indices, got "${key}".`, { field: 'roles' });
    }
    if (!callRoleSchema.safeParse(role).success) {
      throw new VadError('INVALID_PARAMS', `roles[${key}] must be "agent" or "customer", got ${JSON.stringify(role)}.`, { field: 'roles' });
    }
  }
  return Array.from({ length: channelCount }, (_, channel) => roles[channel] ?? null);
}
