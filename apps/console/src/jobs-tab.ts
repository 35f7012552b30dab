import { ApiError, type ApiClient } from './api-client.js';
import { el } from './el.js';

const PAGE_SIZE = 20;

/** The caller's jobs, newest first, one page at a time (cursor pagination). */
export class JobsTab {
  readonly element: HTMLElement;
  private readonly rows = el('tbody');
  private readonly alert = el('div', { class: 'alert', role: 'alert', hidden: true });
  private readonly more = el('button', { type: 'button', hidden: true }, 'Next page');
  private cursor: string | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly openJob: (id: string) => void,
  ) {
    const refresh = el('button', { type: 'button' }, 'Refresh');
    refresh.addEventListener('click', () => void this.load(true));
    this.more.addEventListener('click', () => void this.load(false));
    this.element = el(
      'div',
      {},
      el('div', { class: 'toolbar' }, refresh),
      this.alert,
      el(
        'table',
        { class: 'jobs', 'data-testid': 'jobs-table' },
        el('caption', { class: 'visually-hidden' }, 'Jobs'),
        el('thead', {}, el('tr', {}, ...['Job', 'File', 'Status', 'Created', 'Audio done', 'Error', ''].map((h) => el('th', { scope: 'col' }, h)))),
        this.rows,
      ),
      this.more,
    );
  }

  /** Loads the first page (`reset`) or the next one. */
  async load(reset: boolean): Promise<void> {
    if (reset) this.cursor = null;
    try {
      const page = await this.api.listJobs(PAGE_SIZE, this.cursor ?? undefined);
      this.alert.hidden = true;
      const rows = page.items.map((job) => {
        const view = el('button', { type: 'button', 'aria-label': `Open job ${job.id}` }, 'Open');
        view.addEventListener('click', () => this.openJob(job.id));
        return el(
          'tr',
          { 'data-testid': 'job-row' },
          el('td', {}, el('code', {}, job.id)),
          el('td', { class: 'filename' }, job.filename ?? ''),
          el('td', {}, job.status),
          el('td', {}, new Date(job.createdAt).toLocaleString()),
          el('td', {}, `${(job.progress.audioMsDone / 1000).toFixed(1)} s`),
          el('td', {}, job.error ? el('code', {}, job.error.code) : ''),
          el('td', {}, job.status === 'completed' ? view : ''),
        );
      });
      if (reset) this.rows.replaceChildren(...rows);
      else this.rows.append(...rows);
      this.cursor = page.nextCursor;
      this.more.hidden = !page.nextCursor;
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('CONSOLE_ERROR', String(err), 0);
      this.alert.replaceChildren(el('code', { 'data-testid': 'error-code' }, e.code), ' ', e.message);
      this.alert.hidden = false;
    }
  }
}
