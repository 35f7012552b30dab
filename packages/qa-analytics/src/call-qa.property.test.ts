import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeCallQa, type Segment } from './call-qa.js';
import type { ConversationQa, TimeSpan } from './call-qa-schema.js';

/**
 * Cross-check of the sweep against a deliberately naive reference that lays both channels out on a
 * 1 ms grid and applies each definition of docs/qa-analytics.md literally. Small calls only: the
 * reference is O(duration).
 */
function referenceConversation(agent: Segment[], customer: Segment[], durationMs: number, windowMs: number): Omit<ConversationQa, 'agentChannel' | 'customerChannel' | 'talk'> {
  const grid = (segments: Segment[]) => {
    const on = new Uint8Array(durationMs);
    for (const [s, e] of segments) on.fill(1, s, e);
    return on;
  };
  const a = grid(agent);
  const c = grid(customer);
  const speakers = (t: number) => a[t] | (c[t] << 1);

  let overtalkMs = 0;
  let overtalkCount = 0;
  let deadAirMs = 0;
  let longestDeadAir: TimeSpan | null = null;
  let longestWait: TimeSpan | null = null;
  let turnCount = 0;
  let holder = 0;
  for (let t = 0; t < durationMs; t++) {
    const who = speakers(t);
    if (who === 3) {
      overtalkMs++;
      if (t === 0 || speakers(t - 1) !== 3) overtalkCount++;
    } else if (who === 0) {
      deadAirMs++;
      if (t === 0 || speakers(t - 1) !== 0) {
        let end = t;
        while (end < durationMs && speakers(end) === 0) end++;
        const span = { startMs: t, endMs: end, ms: end - t };
        if (longestDeadAir === null || span.ms > longestDeadAir.ms) longestDeadAir = span;
        const customerAloneBefore = t > 0 && speakers(t - 1) === 2;
        const agentStartsAfter = end < durationMs && a[end] === 1;
        if (customerAloneBefore && agentStartsAfter && (longestWait === null || span.ms > longestWait.ms)) longestWait = span;
      }
    } else {
      if (holder !== 0 && holder !== who) turnCount++;
      holder = who;
    }
  }

  const interruptionsBy = (self: Uint8Array, other: Uint8Array) => {
    let count = 0;
    for (let s = 1; s < durationMs; s++) {
      if (self[s] === 1 && self[s - 1] === 0 && other[s - 1] === 1 && other[s] === 1) {
        let otherEnd = s;
        while (otherEnd < durationMs && other[otherEnd] === 1) otherEnd++;
        let selfEnd = s;
        while (selfEnd < durationMs && self[selfEnd] === 1) selfEnd++;
        if (otherEnd - s <= windowMs && selfEnd > otherEnd) count++;
      }
    }
    return count;
  };

  return {
    overtalk: { totalMs: overtalkMs, count: overtalkCount },
    turnCount,
    interruptions: { byAgent: interruptionsBy(a, c), byCustomer: interruptionsBy(c, a) },
    longestCustomerWait: longestWait,
    deadAir: { totalMs: deadAirMs, longest: longestDeadAir },
  };
}

/** Sorted, non-overlapping segments (touching allowed) from random cut points in [0, durationMs]. */
const channelArb = (durationMs: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: durationMs }), { maxLength: 12 }).chain((cuts) => {
    const sorted = [...cuts].sort((x, y) => x - y);
    const pairs: Segment[] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) pairs.push([sorted[i], sorted[i + 1]]);
    // Split some segments into touching halves, as the VAD's maximum segment length does.
    return fc.array(fc.boolean(), { minLength: pairs.length, maxLength: pairs.length }).map((splits) =>
      pairs.flatMap(([s, e], i): Segment[] => (splits[i] && e - s >= 2 ? [[s, s + Math.floor((e - s) / 2)], [s + Math.floor((e - s) / 2), e]] : [[s, e]])),
    );
  });

const callArb = fc.integer({ min: 1, max: 300 }).chain((durationMs) =>
  fc.record({ durationMs: fc.constant(durationMs), agent: channelArb(durationMs), customer: channelArb(durationMs), windowMs: fc.integer({ min: 0, max: 100 }) }),
);

describe('sweep versus a 1 ms grid reference', () => {
  it('agrees on every two-channel metric', () => {
    fc.assert(
      fc.property(callArb, ({ durationMs, agent, customer, windowMs }) => {
        const qa = computeCallQa({ channels: [agent, customer], durationMs, interruptionWindowMs: windowMs });
        const { agentChannel, customerChannel, talk, ...rest } = qa.conversation!;
        expect(rest).toEqual(referenceConversation(agent, customer, durationMs, windowMs));
        expect(talk.agentMs).toBe(qa.channels[0].speechMs);
        expect(talk.customerMs).toBe(qa.channels[1].speechMs);
      }),
      { numRuns: 300 },
    );
  });
});
