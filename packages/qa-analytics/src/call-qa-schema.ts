import { z } from 'zod';

/**
 * The stored shape of a call's QA numbers (definitions: docs/qa-analytics.md). All times are
 * milliseconds on the call's timeline; intervals are half-open `[startMs, endMs)`.
 */
export const CALL_QA_VERSION = 1;

export const callRoleSchema = z.enum(['agent', 'customer']);
export type CallRole = z.infer<typeof callRoleSchema>;

/** A stretch of the timeline: `ms = endMs − startMs`, always > 0. */
export const timeSpanSchema = z.object({
  startMs: z.number().nonnegative(),
  endMs: z.number().nonnegative(),
  ms: z.number().positive(),
});
export type TimeSpan = z.infer<typeof timeSpanSchema>;

export const channelQaSchema = z.object({
  channel: z.number().int().nonnegative(),
  role: callRoleSchema.nullable(),
  /** Sum of segment lengths. */
  speechMs: z.number().nonnegative(),
  /** speechMs / durationMs, in [0, 1]. */
  speechRatio: z.number().min(0).max(1),
  /** Segments as given (touching segments count separately). */
  segmentCount: z.number().int().nonnegative(),
  /** speechMs / segmentCount; null without segments. */
  meanSegmentMs: z.number().positive().nullable(),
  /** Longest stretch without speech on this channel, leading and trailing gaps included; null if none. */
  longestSilence: timeSpanSchema.nullable(),
});
export type ChannelQa = z.infer<typeof channelQaSchema>;

export const conversationQaSchema = z.object({
  agentChannel: z.number().int().nonnegative(),
  customerChannel: z.number().int().nonnegative(),
  talk: z.object({
    agentMs: z.number().nonnegative(),
    customerMs: z.number().nonnegative(),
    /** agentMs / (agentMs + customerMs); null when nobody speaks. */
    agentShare: z.number().min(0).max(1).nullable(),
    /** agentMs / customerMs; null when the customer never speaks. */
    agentToCustomerRatio: z.number().nonnegative().nullable(),
  }),
  /** Both channels speaking at once. */
  overtalk: z.object({ totalMs: z.number().nonnegative(), count: z.number().int().nonnegative() }),
  /** Times the floor passed from one channel to the other. */
  turnCount: z.number().int().nonnegative(),
  /** Counted per interrupter. */
  interruptions: z.object({ byAgent: z.number().int().nonnegative(), byCustomer: z.number().int().nonnegative() }),
  /** Longest silence that follows the customer and ends when the agent starts; null if none. */
  longestCustomerWait: timeSpanSchema.nullable(),
  /** Nobody speaking. */
  deadAir: z.object({ totalMs: z.number().nonnegative(), longest: timeSpanSchema.nullable() }),
});
export type ConversationQa = z.infer<typeof conversationQaSchema>;

export const callQaSchema = z.object({
  version: z.literal(CALL_QA_VERSION),
  durationMs: z.number().positive(),
  /** Threshold used for interruptions (the other channel must stop within this time). */
  interruptionWindowMs: z.number().nonnegative(),
  channels: z.array(channelQaSchema).min(1),
  /** Present only for calls with exactly two channels. */
  conversation: conversationQaSchema.nullable(),
});
export type CallQa = z.infer<typeof callQaSchema>;
