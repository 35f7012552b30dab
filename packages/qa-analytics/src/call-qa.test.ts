import { describe, expect, it } from 'vitest';
import { VadError } from '@vadfleet/shared/errors';
import { computeCallQa, type CallQaInput, type Segment } from './call-qa.js';
import { callQaSchema } from './call-qa-schema.js';

// Every expected number below is computed by hand from the segment lists; the comments show the working.

function stereo(agent: Segment[], customer: Segment[], durationMs: number, extra: Partial<CallQaInput> = {}) {
  const qa = computeCallQa({ channels: [agent, customer], durationMs, ...extra });
  if (qa.conversation === null) throw new Error('expected conversation metrics');
  return { ...qa, conversation: qa.conversation };
}

describe('per-channel metrics', () => {
  it('mono call with one long segment: only per-channel metrics, a tie in silence goes to the earliest gap', () => {
    const qa = computeCallQa({ channels: [[[1000, 9000]]], durationMs: 10_000 });
    expect(qa.conversation).toBeNull();
    expect(qa.channels).toEqual([
      {
        channel: 0,
        role: 'agent',
        speechMs: 8000,
        speechRatio: 0.8,
        segmentCount: 1,
        meanSegmentMs: 8000,
        longestSilence: { startMs: 0, endMs: 1000, ms: 1000 }, // [9000, 10000] is as long but later
      },
    ]);
  });

  it('dead air at the start of a channel counts from 0', () => {
    const [channel] = computeCallQa({ channels: [[[6000, 8000]]], durationMs: 10_000 }).channels;
    expect(channel.longestSilence).toEqual({ startMs: 0, endMs: 6000, ms: 6000 });
  });

  it('dead air at the end of a channel runs to the call duration', () => {
    const [channel] = computeCallQa({ channels: [[[0, 2000], [2500, 3000]]], durationMs: 10_000 }).channels;
    expect(channel).toMatchObject({ speechMs: 2500, segmentCount: 2, meanSegmentMs: 1250 });
    expect(channel.longestSilence).toEqual({ startMs: 3000, endMs: 10_000, ms: 7000 });
  });

  it('touching segments count separately but leave no silence between them', () => {
    const [channel] = computeCallQa({ channels: [[[0, 1000], [1000, 3000]]], durationMs: 3000 }).channels;
    expect(channel).toEqual({
      channel: 0,
      role: 'agent',
      speechMs: 3000,
      speechRatio: 1,
      segmentCount: 2,
      meanSegmentMs: 1500,
      longestSilence: null, // speech covers the whole call
    });
  });

  it('an empty channel is silent for the whole call', () => {
    const qa = stereo([[1000, 4000]], [], 6000);
    expect(qa.channels[1]).toEqual({
      channel: 1,
      role: 'customer',
      speechMs: 0,
      speechRatio: 0,
      segmentCount: 0,
      meanSegmentMs: null,
      longestSilence: { startMs: 0, endMs: 6000, ms: 6000 },
    });
    expect(qa.conversation).toEqual({
      agentChannel: 0,
      customerChannel: 1,
      talk: { agentMs: 3000, customerMs: 0, agentShare: 1, agentToCustomerRatio: null },
      overtalk: { totalMs: 0, count: 0 },
      turnCount: 0,
      interruptions: { byAgent: 0, byCustomer: 0 },
      longestCustomerWait: null,
      // [0, 1000] and [4000, 6000]
      deadAir: { totalMs: 3000, longest: { startMs: 4000, endMs: 6000, ms: 2000 } },
    });
  });

  it('a call with three channels gets per-channel metrics only; unnamed channels have no role', () => {
    const qa = computeCallQa({ channels: [[[0, 100]], [[100, 200]], [[200, 300]]], durationMs: 300 });
    expect(qa.conversation).toBeNull();
    expect(qa.channels.map((c) => c.role)).toEqual(['agent', 'customer', null]);
  });
});

describe('two-channel metrics', () => {
  it('both channels empty: no talk ratio, the whole call is dead air', () => {
    const { conversation } = stereo([], [], 5000);
    expect(conversation.talk).toEqual({ agentMs: 0, customerMs: 0, agentShare: null, agentToCustomerRatio: null });
    expect(conversation.deadAir).toEqual({ totalMs: 5000, longest: { startMs: 0, endMs: 5000, ms: 5000 } });
    expect(conversation.turnCount).toBe(0);
  });

  it('segments touching across channels are a clean handover: no overtalk, one turn', () => {
    const { conversation } = stereo([[0, 2000]], [[2000, 4000]], 5000);
    expect(conversation.overtalk).toEqual({ totalMs: 0, count: 0 });
    expect(conversation.turnCount).toBe(1);
    expect(conversation.interruptions).toEqual({ byAgent: 0, byCustomer: 0 });
    // The customer spoke last and nobody answered before the call ended: not a wait.
    expect(conversation.longestCustomerWait).toBeNull();
    expect(conversation.deadAir).toEqual({ totalMs: 1000, longest: { startMs: 4000, endMs: 5000, ms: 1000 } });
  });

  it('a nested overlap (backchannel) is overtalk but neither a turn nor an interruption', () => {
    const { conversation } = stereo([[0, 10_000]], [[3000, 3500]], 12_000);
    expect(conversation.overtalk).toEqual({ totalMs: 500, count: 1 });
    expect(conversation.turnCount).toBe(0);
    expect(conversation.interruptions).toEqual({ byAgent: 0, byCustomer: 0 }); // the agent goes on for 6.5 s
    expect(conversation.talk).toEqual({ agentMs: 10_000, customerMs: 500, agentShare: 10_000 / 10_500, agentToCustomerRatio: 20 });
    expect(conversation.deadAir).toEqual({ totalMs: 2000, longest: { startMs: 10_000, endMs: 12_000, ms: 2000 } });
  });

  it('an interruption just under 2 s counts, just over does not, exactly 2 s does', () => {
    // The customer starts 1990 ms before the agent stops.
    const under = stereo([[0, 5000]], [[3010, 8000]], 8000).conversation;
    expect(under.interruptions).toEqual({ byAgent: 0, byCustomer: 1 });
    expect(under.overtalk).toEqual({ totalMs: 1990, count: 1 });
    expect(under.turnCount).toBe(1);

    const over = stereo([[0, 5000]], [[2990, 8000]], 8000).conversation; // 2010 ms
    expect(over.interruptions).toEqual({ byAgent: 0, byCustomer: 0 });
    expect(over.turnCount).toBe(1);

    const exact = stereo([[0, 5000]], [[3000, 8000]], 8000).conversation;
    expect(exact.interruptions).toEqual({ byAgent: 0, byCustomer: 1 });
  });

  it('a backchannel that ends before the other stops is not an interruption', () => {
    // The agent stops 1000 ms after the customer's start, but the customer had already stopped at 4500.
    const { conversation } = stereo([[0, 5000]], [[4000, 4500]], 6000);
    expect(conversation.interruptions).toEqual({ byAgent: 0, byCustomer: 0 });
    expect(conversation.turnCount).toBe(0);
    expect(conversation.overtalk).toEqual({ totalMs: 500, count: 1 });
  });

  it('simultaneous starts are overtalk but not an interruption; the floor goes to whoever is left speaking', () => {
    const { conversation } = stereo([[1000, 3000]], [[1000, 2000]], 4000);
    expect(conversation.interruptions).toEqual({ byAgent: 0, byCustomer: 0 });
    expect(conversation.overtalk).toEqual({ totalMs: 1000, count: 1 });
    expect(conversation.turnCount).toBe(0); // the only solo stretch is the agent's [2000, 3000]
    expect(conversation.deadAir.totalMs).toBe(2000); // [0, 1000] and [3000, 4000]
  });

  it('counts turns and interruptions across several overlaps', () => {
    const { conversation } = stereo(
      [[0, 3000], [5500, 9000]],
      [[2500, 6000], [8000, 8500]],
      9000,
    );
    // Solo stretches: agent [0,2500], customer [3000,5500], agent [6000,8000], agent [8500,9000].
    expect(conversation.turnCount).toBe(2);
    // Overlaps: [2500,3000], [5500,6000], [8000,8500].
    expect(conversation.overtalk).toEqual({ totalMs: 1500, count: 3 });
    // Customer at 2500 (agent stops 500 ms later); agent at 5500 (customer stops 500 ms later);
    // the customer's [8000,8500] ends before the agent stops, so it is not one.
    expect(conversation.interruptions).toEqual({ byAgent: 1, byCustomer: 1 });
    expect(conversation.talk).toMatchObject({ agentMs: 6500, customerMs: 4000 });
    expect(conversation.deadAir).toEqual({ totalMs: 0, longest: null });
  });

  it('touching segments within a channel are one run: no extra overlap, start or stop', () => {
    // Overlap [1000,2000] and [2000,3000] touch, so they are one overtalk interval.
    const nested = stereo([[0, 4000]], [[1000, 2000], [2000, 3000]], 4000).conversation;
    expect(nested.overtalk).toEqual({ totalMs: 2000, count: 1 });

    // The agent's run [3000,5000] starts once, while the customer speaks; the customer stops 1000 ms later.
    const split = stereo([[3000, 3500], [3500, 5000]], [[0, 4000]], 5000).conversation;
    expect(split.interruptions).toEqual({ byAgent: 1, byCustomer: 0 });

    // The customer's split at 2000 is not a stop: its run [0,6000] ends 4500 ms after the agent starts.
    const notStopped = stereo([[1500, 8000]], [[0, 2000], [2000, 6000]], 8000).conversation;
    expect(notStopped.interruptions).toEqual({ byAgent: 0, byCustomer: 0 });
  });

  it("finds the customer's longest wait: silence after the customer that the agent ends", () => {
    const { conversation } = stereo(
      [[4200, 6000], [9000, 9500]],
      [[0, 1000], [1500, 3000], [6500, 7000]],
      10_000,
    );
    // [1000,1500] ends with the customer again; [3000,4200] = 1200 and [7000,9000] = 2000 are waits;
    // [6000,6500] follows the agent; [9500,10000] follows the agent and nobody answers.
    expect(conversation.longestCustomerWait).toEqual({ startMs: 7000, endMs: 9000, ms: 2000 });
    expect(conversation.deadAir).toEqual({ totalMs: 4700, longest: { startMs: 7000, endMs: 9000, ms: 2000 } });
    expect(conversation.turnCount).toBe(3); // customer, agent, customer, agent
  });

  it('no wait when the agent answers over the customer, or when both had just stopped together', () => {
    const overlapping = stereo([[2500, 4000]], [[0, 3000]], 5000).conversation;
    expect(overlapping.longestCustomerWait).toBeNull();

    const bothStopped = stereo([[1000, 2000], [3000, 4000]], [[0, 2000]], 5000).conversation;
    expect(bothStopped.longestCustomerWait).toBeNull();

    // The agent and the customer both start after the silence: the agent did answer.
    const bothStart = stereo([[3000, 4000]], [[0, 1000], [3000, 3500]], 5000).conversation;
    expect(bothStart.longestCustomerWait).toEqual({ startMs: 1000, endMs: 3000, ms: 2000 });
  });

  it('whole-call dead air includes the leading gap and ties go to the earliest', () => {
    const { conversation } = stereo([[3000, 4000]], [[5000, 6000]], 7000);
    // [0,3000], [4000,5000], [6000,7000]
    expect(conversation.deadAir).toEqual({ totalMs: 5000, longest: { startMs: 0, endMs: 3000, ms: 3000 } });
    expect(conversation.longestCustomerWait).toBeNull(); // [4000,5000] follows the agent
  });

  it('roles may put the agent on channel 1', () => {
    const qa = stereo([[0, 1000]], [[2000, 4000]], 4000, { roles: { 0: 'customer', 1: 'agent' } });
    expect(qa.channels.map((c) => c.role)).toEqual(['customer', 'agent']);
    expect(qa.conversation).toMatchObject({ agentChannel: 1, customerChannel: 0 });
    expect(qa.conversation.talk).toMatchObject({ agentMs: 2000, customerMs: 1000, agentToCustomerRatio: 2 });
    expect(qa.conversation.longestCustomerWait).toEqual({ startMs: 1000, endMs: 2000, ms: 1000 });
  });

  it('a custom interruption window applies', () => {
    const { conversation, interruptionWindowMs } = stereo([[0, 5000]], [[3010, 8000]], 8000, { interruptionWindowMs: 1000 });
    expect(interruptionWindowMs).toBe(1000);
    expect(conversation.interruptions.byCustomer).toBe(0);
  });
});

describe('output and input', () => {
  it('the result is JSON and passes the storage schema', () => {
    const qa = computeCallQa({ channels: [[[0, 3000], [5500, 9000]], [[2500, 6000]]], durationMs: 9000 });
    expect(callQaSchema.parse(JSON.parse(JSON.stringify(qa)))).toEqual(qa);
  });

  it.each<[string, CallQaInput, string]>([
    ['overlapping segments', { channels: [[[0, 2000], [1500, 3000]]], durationMs: 5000 }, 'channels[0][1]'],
    ['unsorted segments', { channels: [[], [[3000, 4000], [0, 1000]]], durationMs: 5000 }, 'channels[1][1]'],
    ['a segment past the end', { channels: [[[0, 6000]]], durationMs: 5000 }, 'channels[0][0]'],
    ['a zero-length segment', { channels: [[[100, 100]]], durationMs: 5000 }, 'channels[0][0]'],
    ['a zero duration', { channels: [[]], durationMs: 0 }, 'durationMs'],
    ['no channels', { channels: [], durationMs: 1000 }, 'channels'],
    ['two agents', { channels: [[], []], durationMs: 1000, roles: { 0: 'agent', 1: 'agent' } }, 'roles'],
  ])('rejects %s with INVALID_PARAMS naming the field', (_name, input, field) => {
    let caught: unknown;
    try {
      computeCallQa(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(VadError);
    expect(caught).toMatchObject({ code: 'INVALID_PARAMS', field });
  });
});
