import { describe, expect, it } from 'vitest';
import { computeCallQa, type Segment } from './call-qa.js';

// The worked example of docs/qa-analytics.md ("Padded versus tight boundaries"): the same 30 s call
// with segments that hug the speech (`"boundaries": "tight"`) and with FunASR's default padding,
// approximated as 250 ms earlier starts and 200 ms later ends. If a number here changes, update the
// table in the doc.
const durationMs = 30_000;
const agent: Segment[] = [[500, 4000], [4600, 7800], [12_200, 16_000], [20_300, 24_000], [27_400, 29_500]];
const customer: Segment[] = [[8200, 11_800], [14_000, 14_400], [16_400, 20_000], [23_500, 27_000]];

function padded(segments: Segment[]): Segment[] {
  return segments.map(([startMs, endMs]) => [Math.max(0, startMs - 250), Math.min(durationMs, endMs + 200)]);
}

describe('worked example: padded versus tight boundaries', () => {
  it('tight segments', () => {
    const qa = computeCallQa({ channels: [agent, customer], durationMs });
    expect(qa.channels.map((c) => [c.speechMs, c.speechRatio])).toEqual([[16_300, 16_300 / 30_000], [11_100, 0.37]]);
    expect(qa.conversation).toMatchObject({
      talk: { agentMs: 16_300, customerMs: 11_100 },
      overtalk: { totalMs: 900, count: 2 },
      turnCount: 6,
      interruptions: { byAgent: 0, byCustomer: 1 },
      longestCustomerWait: { startMs: 11_800, endMs: 12_200, ms: 400 },
      deadAir: { totalMs: 3500, longest: { startMs: 4000, endMs: 4600, ms: 600 } },
    });
    expect(qa.conversation!.talk.agentShare).toBeCloseTo(0.5949, 4);
  });

  it('padded segments', () => {
    const qa = computeCallQa({ channels: [padded(agent), padded(customer)], durationMs });
    expect(qa.channels.map((c) => [c.speechMs, c.speechRatio])).toEqual([[18_550, 18_550 / 30_000], [12_900, 0.43]]);
    expect(qa.conversation).toMatchObject({
      talk: { agentMs: 18_550, customerMs: 12_900 },
      overtalk: { totalMs: 2150, count: 7 },
      turnCount: 6,
      interruptions: { byAgent: 3, byCustomer: 3 },
      longestCustomerWait: null,
      deadAir: { totalMs: 700, longest: { startMs: 29_700, endMs: 30_000, ms: 300 } },
    });
    expect(qa.conversation!.talk.agentShare).toBeCloseTo(0.5898, 4);
  });
});
