import type { VadParamsInput } from '@vadfleet/shared/vad-params';
import { ApiError, type ApiClient, type BatchView } from './api-client.js';
import { el } from './el.js';

const POLL_INTERVAL_MS = 1000;

/**
 * Starts a batch over an S3 prefix and follows its counts. The batch API ships separately: a 404 on
 * its routes is reported as "not available" rather than as an error of the user's.
 */
export class BatchesTab {
  readonly element: HTMLElement;
  private readonly alert = el('div', { class: 'alert', role: 'alert', hidden: true });
  private readonly status = el('div', { class: 'batch-status', 'data-testid': 'batch-status', 'aria-live': 'polite' });
  private polling: ReturnType<typeof setTimeout> | null = null;

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
    this.element = el('div', {}, form, this.alert, this.status);
  }

  private async start(bucket: string, prefix: string): Promise<void> {
    try {
      const { id } = await this.api.createBatch({ bucket, prefix, params: this.params() });
      this.alert.hidden = true;
      await this.follow(id);
    } catch (err) {
      this.showError(err);
    }
  }

  private async follow(id: string): Promise<void> {
    if (this.polling) clearTimeout(this.polling);
    const batch = await this.api.batch(id);
    this.render(batch);
    const { total, completed, failed } = batch.counts;
    if (completed + failed < total || total === 0) {
      this.polling = setTimeout(() => void this.follow(id).catch((err) => this.showError(err)), POLL_INTERVAL_MS);
    }
  }

  private render(batch: BatchView): void {
    const { total, completed, failed } = batch.counts;
    const percent = batch.percent ?? (total ? ((completed + failed) / total) * 100 : 0);
    const csv = el('button', { type: 'button' }, 'Download results (CSV)');
    csv.addEventListener('click', () => void this.downloadCsv(batch.id));
    this.status.replaceChildren(
      el('p', {}, 'Batch ', el('code', {}, batch.id), batch.status ? ` — ${batch.status}` : ''),
      el('progress', { max: 100, value: percent, 'aria-label': 'Batch progress' }),
      el('p', {}, `${completed} completed, ${failed} failed of ${total} (${percent.toFixed(0)} %)`),
      csv,
    );
  }

  private async downloadCsv(id: string): Promise<void> {
    try {
      const url = URL.createObjectURL(await this.api.batchResultsCsv(id));
      const link = el('a', { href: url, download: `batch-${id}.csv` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      this.showError(err);
    }
  }

  private showError(err: unknown): void {
    const e = err instanceof ApiError ? err : new ApiError('CONSOLE_ERROR', String(err), 0);
    // The API's 404 for a route it does not have says "No route ...", unlike a missing batch.
    const notAvailable = e.status === 404 && (e.code === 'HTTP_404' || e.message.startsWith('No route'));
    this.alert.replaceChildren(
      el('code', { 'data-testid': 'error-code' }, e.code),
      ' ',
      notAvailable ? 'The batch API is not available on this server.' : e.message,
    );
    this.alert.hidden = false;
  }
}
