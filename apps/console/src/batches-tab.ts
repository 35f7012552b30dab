import type { VadParamsInput } from '@vadfleet/shared/vad-params';
import { ApiError, type ApiClient, type BatchResultLine, type BatchView } from './api-client.js';
import { downloadBlob } from './download-blob.js';
import { el } from './el.js';
import { parseCallQa } from './qa-summary.js';

const POLL_INTERVAL_MS = 1000;
const LIST_PAGE_SIZE = 20;
const ENDED = new Set(['completed', 'cancelled', 'failed']);
const RESULT_COLUMNS = [
  'File',
  'Status',
  'Error',
  'Duration',
  'Ch 0 speech / segments',
  'Ch 1 speech / segments',
  'Overtalk',
  'Agent talk share',
  'Turns',
  'Interruptions agent / customer',
  'Customer longest wait',
];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ratio = (r: number | null | undefined) => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(0)} %`);

/** Audio amounts at batch scale: hours and minutes, or minutes and seconds below an hour. */
function audioAmount(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const min = Math.floor((totalSeconds % 3600) / 60);
  return h > 0 ? `${h} h ${String(min).padStart(2, '0')} min` : `${min} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
}

/**
 * Lists the caller's batches with their progress (newest first, a page at a time), starts a batch over
 * an S3 prefix, follows one's progress every second (cancellable), and when it ends streams one row per
 * call from the NDJSON results, with the CSV as a download.
 */
export class BatchesTab {
  readonly element: HTMLElement;
  private readonly alert = el('div', { class: 'alert', role: 'alert', hidden: true });
  private readonly status = el('div', { class: 'batch-status', 'data-testid': 'batch-status', 'aria-live': 'polite' });
  private readonly results = el('div', { class: 'batch-results' });
  private polling: ReturnType<typeof setTimeout> | null = null;
  /** The batch on screen: a poll or stream of an earlier one stops when this changes. */
  private current: string | null = null;
  private streaming: AbortController | null = null;
  private readonly listRows = el('tbody');
  private readonly listMore = el('button', { type: 'button', hidden: true }, 'More batches');
  private listCursor: string | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly params: () => VadParamsInput,
  ) {
    const bucket = el('input', { id: 'batch-bucket', name: 'bucket', required: true, minlength: 3, maxlength: 63, autocomplete: 'off' });
    const prefix = el('input', { id: 'batch-prefix', name: 'prefix', autocomplete: 'off', placeholder: 'calls/2024-06/' });
    const form = el(
      'form',
      { class: 'batch-form' },
      el('div', { class: 'field' }, el('label', { for: 'batch-bucket' }, 'S3 bucket'), bucket),
      el('div', { class: 'field' }, el('label', { for: 'batch-prefix' }, 'Key prefix'), prefix),
      el('p', { class: 'hint' }, 'Every audio object under the prefix becomes a job, with the parameters set on the Detect tab.'),
      el('button', { type: 'submit' }, 'Start batch'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.start(bucket.value.trim(), prefix.value.trim());
    });
    const refresh = el('button', { type: 'button' }, 'Refresh list');
    refresh.addEventListener('click', () => void this.loadList(true));
    this.listMore.addEventListener('click', () => void this.loadList(false));
    const list = el(
      'div',
      { class: 'batch-list' },
      el('div', { class: 'toolbar' }, refresh),
      el(
        'table',
        { class: 'jobs', 'data-testid': 'batch-list' },
        el('caption', { class: 'visually-hidden' }, 'Your batches'),
        el('thead', {}, el('tr', {}, ...['Batch', 'Status', 'Progress', 'Done', 'Failed', 'Created', ''].map((h) => el('th', { scope: 'col' }, h)))),
        this.listRows,
      ),
      this.listMore,
    );
    this.element = el('div', {}, form, this.alert, list, this.status, this.results);
  }

  /** Loads the first page of the caller's batches (`reset`) or the next one. */
  async loadList(reset: boolean): Promise<void> {
    if (reset) this.listCursor = null;
    try {
      const page = await this.api.listBatches(LIST_PAGE_SIZE, this.listCursor ?? undefined);
      const rows = page.items.map((batch) => this.listRow(batch));
      if (reset) this.listRows.replaceChildren(...rows);
      else this.listRows.append(...rows);
      this.listCursor = page.nextCursor;
      this.listMore.hidden = !page.nextCursor;
    } catch (err) {
      this.showError(err);
    }
  }

  private listRow(batch: BatchView): HTMLTableRowElement {
    const { total, completed, failed, cancelled } = batch.counts;
    const open = el('button', { type: 'button', 'aria-label': `Open batch ${batch.id}` }, 'Open');
    open.addEventListener('click', () => this.show(batch.id));
    return el(
      'tr',
      { 'data-testid': 'batch-list-row', 'data-id': batch.id, 'data-status': batch.status },
      el('td', {}, el('code', {}, batch.id)),
      el('td', {}, el('span', { class: 'batch-state', 'data-status': batch.status }, batch.status)),
      el('td', {}, el('progress', { max: 100, value: batch.percent, 'aria-label': `Progress of batch ${batch.id}` }), ` ${batch.percent.toFixed(1)} %`),
      el('td', {}, `${completed + failed + cancelled} of ${total}${batch.listingComplete ? '' : '+'}`),
      el('td', {}, String(failed)),
      el('td', {}, new Date(batch.createdAt).toLocaleString()),
      el('td', {}, open),
    );
  }

  private async start(bucket: string, prefix: string): Promise<void> {
    try {
      const { id } = await this.api.createBatch({ bucket, prefix, params: this.params() });
      this.alert.hidden = true;
      this.show(id);
      void this.loadList(true);
    } catch (err) {
      this.showError(err);
    }
  }

  /** Switches the tab to batch `id`, dropping the previous one's poll and results stream. */
  private show(id: string): void {
    if (this.polling) clearTimeout(this.polling);
    this.streaming?.abort();
    this.current = id;
    this.status.replaceChildren();
    this.results.replaceChildren();
    void this.poll(id);
  }

  private async poll(id: string): Promise<void> {
    try {
      const batch = await this.api.batch(id);
      if (this.current !== id) return;
      this.render(batch);
      if (ENDED.has(batch.status)) {
        void this.loadList(true); // the list shows the batch ended too
        return void this.loadResults(batch);
      }
    } catch (err) {
      if (this.current !== id) return;
      this.showError(err);
      // A 404 means the batch is gone (expired or another tenant's): polling cannot bring it back.
      if (err instanceof ApiError && err.status === 404) return;
    }
    this.polling = setTimeout(() => void this.poll(id), POLL_INTERVAL_MS);
  }

  private render(batch: BatchView): void {
    const { total, completed, failed, cancelled, inFlight, pending } = batch.counts;
    const ended = ENDED.has(batch.status);
    const facts: [string, string][] = [
      ['Done', `${completed + failed + cancelled} of ${total}${batch.listingComplete ? '' : ' listed so far'}`],
      ['Completed', String(completed)],
      ['Failed', String(failed)],
      ['Cancelled', String(cancelled)],
      ['Running / waiting', `${inFlight} / ${pending}`],
      ['Progress', `${batch.percent.toFixed(1)} %`],
      ['Audio processed', audioAmount(batch.audioMsProcessed)],
      ['Throughput', batch.audioSecondsPerSecond === null ? '–' : `${batch.audioSecondsPerSecond.toFixed(1)} audio s per s`],
      ['ETA', ended ? 'ended' : batch.etaSeconds === null ? 'estimating…' : audioAmount(batch.etaSeconds * 1000)],
    ];
    const cancel = el('button', { type: 'button', class: 'danger' }, 'Cancel batch');
    cancel.addEventListener('click', () => void this.cancel(batch.id, cancel));
    const parts = [
      el('p', {}, 'Batch ', el('code', {}, batch.id), ' — ', el('span', { class: 'batch-state', 'data-testid': 'batch-state', 'data-status': batch.status }, batch.status)),
      el('progress', { max: 100, value: batch.percent, 'aria-label': 'Batch progress' }),
      el('dl', { class: 'batch-facts' }, ...facts.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)])),
      batch.error ? el('p', { class: 'alert', 'data-testid': 'batch-error' }, el('code', {}, batch.error.code), ' ', batch.error.message) : null,
      // An empty prefix is not an error to the API (the batch completes with nothing to do); say so.
      ended && total === 0 && !batch.error ? el('p', { class: 'alert', 'data-testid': 'batch-empty' }, 'No objects were found under this prefix: check the bucket and prefix.') : null,
      ended ? null : cancel,
    ];
    this.status.replaceChildren(...parts.filter((p) => p !== null));
  }

  private async cancel(id: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const batch = await this.api.cancelBatch(id);
      if (this.current === id) this.render(batch); // the poll picks up the end and loads the results
    } catch (err) {
      button.disabled = false;
      this.showError(err);
    }
  }

  /** Streams the results into a table, a row per NDJSON line as it arrives. */
  private async loadResults(batch: BatchView): Promise<void> {
    const rows = el('tbody');
    const csv = el('button', { type: 'button' }, 'Download results (CSV)');
    csv.addEventListener('click', () => void this.downloadCsv(batch.id));
    this.results.replaceChildren(
      el('div', { class: 'toolbar' }, csv),
      el(
        'div',
        { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Batch results' },
        el(
          'table',
          { class: 'jobs batch-table', 'data-testid': 'batch-results' },
          el('caption', { class: 'visually-hidden' }, `Results of batch ${batch.id}`),
          el('thead', {}, el('tr', {}, ...RESULT_COLUMNS.map((h) => el('th', { scope: 'col' }, h)))),
          rows,
        ),
      ),
    );
    const controller = new AbortController();
    this.streaming = controller;
    try {
      for await (const line of this.api.batchResults(batch.id, controller.signal)) rows.append(resultRow(line));
    } catch (err) {
      if (!controller.signal.aborted) this.showError(err);
    }
  }

  private async downloadCsv(id: string): Promise<void> {
    try {
      downloadBlob(`batch-${id}.csv`, await this.api.batchResultsCsv(id));
    } catch (err) {
      this.showError(err);
    }
  }

  private showError(err: unknown): void {
    const e = err instanceof ApiError ? err : new ApiError('CONSOLE_ERROR', String(err), 0);
    this.alert.replaceChildren(el('code', { 'data-testid': 'error-code' }, e.code), ' ', e.message);
    this.alert.hidden = false;
  }
}

/** One call: its outcome and, when its result carries QA (docs/qa-analytics.md), the per-call numbers. */
function resultRow(line: BatchResultLine): HTMLTableRowElement {
  const qa = parseCallQa(line.result?.qa);
  const conv = qa?.conversation;
  // QA is computed for two-channel calls only: for the others, speech is summed from the segments.
  const channel = (c: number) => {
    const ch = qa?.channels.find((x) => x.channel === c);
    if (ch) return `${ratio(ch.speechRatio)} / ${ch.segmentCount}`;
    const segments = line.result?.channels?.find((x) => x.channel === c)?.segments;
    if (!segments) return '';
    const speechMs = segments.reduce((sum, [start, end]) => sum + end - start, 0);
    return `${line.durationMs ? ratio(Math.min(1, speechMs / line.durationMs)) : seconds(speechMs)} / ${segments.length}`;
  };
  const cells = [
    el('code', {}, line.key ?? `#${line.index}`),
    line.status,
    line.error ? el('code', { 'data-testid': 'error-code', title: line.error.message }, line.error.code) : '',
    line.durationMs === undefined ? '' : seconds(line.durationMs),
    channel(0),
    channel(1),
    conv ? `${seconds(conv.overtalk.totalMs)} (${conv.overtalk.count}×)` : '',
    conv ? ratio(conv.talk.agentShare) : '',
    conv ? String(conv.turnCount) : '',
    conv ? `${conv.interruptions.byAgent} / ${conv.interruptions.byCustomer}` : '',
    conv ? seconds(conv.longestCustomerWait?.ms ?? 0) : '',
  ];
  return el(
    'tr',
    { 'data-testid': 'batch-row', 'data-key': line.key ?? undefined, 'data-status': line.status },
    ...cells.map((cell) => el('td', {}, cell)),
  );
}
