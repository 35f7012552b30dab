/**
 * The elastic-fleet drill (scripts/elastic-drill.mjs): a batch of 300 short calls while an autoscaler
 * applying KEDA's rule to the API's real /metrics starts workers and stops them with SIGTERM, on real
 * Redis, s3rver and the model. Every call must complete exactly once, with exact batch counters.
 */
import { expect, inject, it } from 'vitest';
// @ts-expect-error -- a plain ES module script without type declarations
import { desiredReplicas, gaugeSum, runDrill } from '../../scripts/elastic-drill.mjs';

const SCALING = { threshold: 50, min: 1, max: 3, cooldownMs: 2000 };

it('KEDA\'s rule: ceil(backlog / threshold), bounded; the backlog is waiting + prioritized from /metrics', () => {
  expect([0, 1, 50, 51, 149, 150, 151, 10_000].map((m) => desiredReplicas(m, SCALING))).toEqual([1, 1, 1, 2, 3, 3, 3, 3]);
  const text = '# TYPE vadfleet_queue_jobs gauge\nvadfleet_queue_jobs{state="waiting"} 4\nvadfleet_queue_jobs{state="active"} 6\nvadfleet_queue_jobs{state="prioritized"} 90\nvadfleet_queue_jobs_other{state="waiting"} 7';
  expect(gaugeSum(text, 'vadfleet_queue_jobs', 'state', ['waiting', 'prioritized'])).toBe(94);
});

it('300 calls complete exactly once while the fleet grows and shrinks under the batch', async () => {
  const result = await runDrill({ calls: 300, callMs: 1000, ...SCALING, redisUrl: inject('redisUrl'), s3Endpoint: inject('s3Endpoint') });

  expect(result.batch).toMatchObject({ status: 'completed', counts: { total: 300, pending: 0, inFlight: 0, completed: 300, failed: 0, cancelled: 0 } });
  const completions = new Map<string, number>();
  for (const w of result.workers) {
    for (const line of w.lines) if (line.msg === 'job completed') completions.set(line.jobId, (completions.get(line.jobId) ?? 0) + 1);
  }
  expect(completions.size).toBe(300);
  expect([...completions.values()].every((n) => n === 1)).toBe(true);

  // The autoscaler followed the rule and its bounds, grew the fleet, and brought it back to the minimum.
  for (const p of result.timeline) expect(p.desired).toBe(desiredReplicas(p.backlog, SCALING));
  expect(Math.max(...result.timeline.map((p: { ready: number; starting: number }) => p.ready + p.starting))).toBe(SCALING.max);
  expect(result.timeline.at(-1)).toMatchObject({ backlog: 0, ready: SCALING.min, starting: 0 });
  // Workers added mid-batch took work; every stopped worker finished or handed back its jobs and exited cleanly.
  const added = result.workers.slice(SCALING.min);
  expect(added.some((w: { lines: { msg?: string }[] }) => w.lines.some((l) => l.msg === 'job completed'))).toBe(true);
  for (const w of result.workers) expect(w.exit).toEqual({ code: 0, signal: null });
}, 300_000);
