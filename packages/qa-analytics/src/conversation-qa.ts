import type { ConversationQa, TimeSpan } from './call-qa-schema.js';

// Who is speaking during an elementary interval of the sweep (bit 1: agent, bit 2: customer).
const NOBODY = 0;
const AGENT_ONLY = 1;
const CUSTOMER_ONLY = 2;
const BOTH = 3;

export interface ConversationInput {
  agentChannel: number;
  customerChannel: number;
  /** Speech runs from `toSpeechRuns`. */
  agentRuns: Float64Array;
  customerRuns: Float64Array;
  durationMs: number;
  interruptionWindowMs: number;
}

/**
 * Two-channel numbers in one sweep over the merged run boundaries (O(n), definitions in
 * docs/qa-analytics.md). Between two consecutive boundary times the set of speakers is constant;
 * because touching segments were merged, every boundary toggles its channel, so consecutive
 * intervals always differ in who is speaking.
 */
export function computeConversationQa(input: ConversationInput): ConversationQa {
  const { agentRuns, customerRuns, durationMs, interruptionWindowMs } = input;
  let agentIndex = 0; // next agent boundary; odd means the agent is speaking
  let customerIndex = 0;
  let timeMs = 0;
  let previousSpeakers = -1; // speakers of the previous interval; -1 before the first

  let agentMs = 0;
  let customerMs = 0;
  let overtalkMs = 0;
  let overtalkCount = 0;
  let floorHolder = NOBODY;
  let turnCount = 0;
  let interruptionsByAgent = 0;
  let interruptionsByCustomer = 0;
  let deadAirMs = 0;
  let longestDeadAir: TimeSpan | null = null;
  let longestCustomerWait: TimeSpan | null = null;

  for (;;) {
    const nextAgentMs = agentIndex < agentRuns.length ? agentRuns[agentIndex] : Infinity;
    const nextCustomerMs = customerIndex < customerRuns.length ? customerRuns[customerIndex] : Infinity;
    const boundaryMs = Math.min(nextAgentMs, nextCustomerMs);
    const intervalEndMs = boundaryMs === Infinity ? durationMs : boundaryMs;

    if (intervalEndMs > timeMs) {
      const ms = intervalEndMs - timeMs;
      const speakers = (agentIndex & 1) | ((customerIndex & 1) << 1);
      if (speakers & AGENT_ONLY) agentMs += ms;
      if (speakers & CUSTOMER_ONLY) customerMs += ms;
      if (speakers === BOTH) {
        overtalkMs += ms;
        overtalkCount++;
      } else if (speakers === NOBODY) {
        deadAirMs += ms;
        if (longestDeadAir === null || ms > longestDeadAir.ms) longestDeadAir = { startMs: timeMs, endMs: intervalEndMs, ms };
        const agentAnswers = nextAgentMs === intervalEndMs && (agentIndex & 1) === 0;
        if (previousSpeakers === CUSTOMER_ONLY && agentAnswers && (longestCustomerWait === null || ms > longestCustomerWait.ms)) {
          longestCustomerWait = { startMs: timeMs, endMs: intervalEndMs, ms };
        }
      } else {
        if (floorHolder !== NOBODY && floorHolder !== speakers) turnCount++;
        floorHolder = speakers;
      }
      previousSpeakers = speakers;
    }
    if (boundaryMs === Infinity) break;
    timeMs = boundaryMs;

    // Boundaries at timeMs: a run starting while the other channel speaks on through timeMs is an
    // interruption if the other stops within the window and the interrupter is still speaking then.
    const agentToggles = nextAgentMs === timeMs;
    const customerToggles = nextCustomerMs === timeMs;
    if (agentToggles && (agentIndex & 1) === 0 && (customerIndex & 1) === 1 && !customerToggles) {
      const otherEndMs = customerRuns[customerIndex];
      if (otherEndMs - timeMs <= interruptionWindowMs && agentRuns[agentIndex + 1] > otherEndMs) interruptionsByAgent++;
    }
    if (customerToggles && (customerIndex & 1) === 0 && (agentIndex & 1) === 1 && !agentToggles) {
      const otherEndMs = agentRuns[agentIndex];
      if (otherEndMs - timeMs <= interruptionWindowMs && customerRuns[customerIndex + 1] > otherEndMs) interruptionsByCustomer++;
    }
    if (agentToggles) agentIndex++;
    if (customerToggles) customerIndex++;
  }

  const talkMs = agentMs + customerMs;
  return {
    agentChannel: input.agentChannel,
    customerChannel: input.customerChannel,
    talk: {
      agentMs,
      customerMs,
      agentShare: talkMs === 0 ? null : agentMs / talkMs,
      agentToCustomerRatio: customerMs === 0 ? null : agentMs / customerMs,
    },
    overtalk: { totalMs: overtalkMs, count: overtalkCount },
    turnCount,
    interruptions: { byAgent: interruptionsByAgent, byCustomer: interruptionsByCustomer },
    longestCustomerWait,
    deadAir: { totalMs: deadAirMs, longest: longestDeadAir },
  };
}
