import type { ChannelSegments } from './api-client.js';
import { el } from './el.js';

export interface SegmentColumn {
  title: string;
  kind: 'current' | 'previous';
  channels: readonly ChannelSegments[];
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

/**
 * One table per column (job result, rescored), side by side. Each row has a play button, so every
 * segment is reachable from the keyboard, not only by clicking the waveform.
 */
export function renderSegmentTables(
  columns: readonly SegmentColumn[],
  laneName: (channel: number) => string,
  play: (startMs: number, endMs: number) => void,
): HTMLElement {
  const multiChannel = columns.some((c) => c.channels.length > 1);
  const tables = columns.map(({ title, kind, channels }) => {
    const rows = channels.flatMap(({ channel, segments }) =>
      segments.map(([startMs, endMs], index) => {
        const button = el('button', { type: 'button', class: 'play', 'aria-label': `Play ${laneName(channel)} segment ${index + 1}` }, '▶');
        button.addEventListener('click', () => play(startMs, endMs));
        return el(
          'tr',
          { 'data-testid': 'segment-row', 'data-kind': kind, 'data-channel': channel },
          multiChannel ? el('td', {}, laneName(channel)) : null,
          el('td', {}, String(index + 1)),
          el('td', {}, seconds(startMs)),
          el('td', {}, seconds(endMs)),
          el('td', {}, seconds(endMs - startMs)),
          el('td', {}, button),
        );
      }),
    );
    const count = channels.reduce((n, c) => n + c.segments.length, 0);
    return el(
      'table',
      { class: `segments ${kind}` },
      el('caption', {}, `${title}: ${count} segments`),
      el(
        'thead',
        {},
        el('tr', {}, multiChannel ? el('th', { scope: 'col' }, 'Lane') : null, ...['#', 'Start (s)', 'End (s)', 'Length (s)', 'Play'].map((h) => el('th', { scope: 'col' }, h))),
      ),
      el('tbody', {}, ...rows),
    );
  });
  return el('div', { class: columns.length > 1 ? 'segment-tables compare' : 'segment-tables' }, ...tables);
}
