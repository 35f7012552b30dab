import { callQaSchema, type CallQa, type TimeSpan } from '@vadfleet/qa-analytics/call-qa-schema';
import { el } from './el.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const percent = (ratio: number | null) => (ratio === null ? '–' : `${(ratio * 100).toFixed(0)} %`);
const span = (s: TimeSpan | null) => (s ? `${seconds(s.ms)} at ${seconds(s.startMs)}` : '–');

/** Parses the result's `qa` field; anything that is not the current CallQa shape is not shown. */
export function parseCallQa(value: unknown): CallQa | null {
  const parsed = callQaSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function row(term: string, value: string): HTMLElement[] {
  return [el('dt', {}, term), el('dd', {}, value)];
}

/** The QA numbers of a call (definitions: docs/qa-analytics.md) as a definition list. */
export function renderQaSummary(qa: CallQa, laneName: (channel: number) => string): HTMLElement {
  const conversation = qa.conversation;
  const items: HTMLElement[] = [];
  if (conversation) {
    const c = conversation;
    items.push(
      ...row('Talk time', `agent ${seconds(c.talk.agentMs)}, customer ${seconds(c.talk.customerMs)} (agent share ${percent(c.talk.agentShare)})`),
      ...row('Overtalk', `${seconds(c.overtalk.totalMs)} in ${c.overtalk.count} stretches`),
      ...row('Turns', String(c.turnCount)),
      ...row('Interruptions', `by agent ${c.interruptions.byAgent}, by customer ${c.interruptions.byCustomer}`),
      ...row('Longest customer wait', span(c.longestCustomerWait)),
      ...row('Dead air', `${seconds(c.deadAir.totalMs)} in total, longest ${span(c.deadAir.longest)}`),
    );
  }
  for (const channel of qa.channels) {
    items.push(
      ...row(
        `${laneName(channel.channel)} speech`,
        `${seconds(channel.speechMs)} (${percent(channel.speechRatio)}), ${channel.segmentCount} segments, longest silence ${span(channel.longestSilence)}`,
      ),
    );
  }
  return el('section', { class: 'qa', 'data-testid': 'qa' }, el('h4', {}, 'Call QA (job result)'), el('dl', {}, ...items));
}
