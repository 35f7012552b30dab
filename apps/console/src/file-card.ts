import type { ResultDocument } from '@vadfleet/shared/schemas';
import type { VadParamsInput } from '@vadfleet/shared/vad-params';
import { ApiError, type ApiClient, type ChannelSegments } from './api-client.js';
import { downloadBlob } from './download-blob.js';
import { el } from './el.js';
import { parseCallQa, renderQaSummary } from './qa-summary.js';
import { EXPORT_FORMATS, exportSegments, type ExportFormat } from './segment-exports.js';
import { renderSegmentTables, type SegmentColumn } from './segment-table.js';
import { WaveformView } from './waveform-view.js';

const POLL_INTERVAL_MS = 500;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

type Params = ResultDocument['params'];
type JobResult = ResultDocument & { qa?: unknown };

export function describeParams(p: Params): string {
  const values =
    p.model === 'silero'
      ? `silero, θ ${p.threshold.toFixed(2)}/${p.negThreshold.toFixed(2)}, silence ${p.minSilenceMs} ms`
      : `${p.maxEndSilenceMs} ms, θ ${p.speechNoiseThres.toFixed(2)}, max ${p.maxSegmentMs / 1000} s`;
  return p.preset ? `${p.preset} (${values})` : `custom (${values})`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One file's journey: upload, status and progress while queued/active, then its waveform, regions,
 * segment table, QA and exports. `rescore` re-derives segments for new parameters from the stored model
 * output and shows them next to the job's own result.
 */
export class FileCard {
  readonly element: HTMLElement;
  private readonly statusText = el('span', { class: 'status', 'data-testid': 'status', role: 'status' }, 'waiting');
  private readonly progress = el('progress', { max: 1, 'aria-label': 'Progress' });
  private readonly alert = el('div', { class: 'alert', role: 'alert', hidden: true });
  private readonly body = el('div', { class: 'card-body' });
  private readonly regionList = el('ol', { class: 'visually-hidden', 'data-testid': 'regions', 'aria-label': 'Speech regions' });
  private readonly tableSlot = el('div');
  private readonly rescoreNote = el('p', { class: 'note', 'aria-live': 'polite' });
  private jobId: string | null = null;
  private result: JobResult | null = null;
  private rescored: { channels: ChannelSegments[]; params: Params } | null = null;
  private waveform: WaveformView | null = null;
  private rescoreAbort: AbortController | null = null;
  private channelCount = 1;

  constructor(
    private readonly api: ApiClient,
    private readonly name: string,
    private readonly file: File | null,
  ) {
    this.element = el(
      'article',
      { class: 'card', 'data-testid': 'file-card', 'data-file': name, 'data-status': 'waiting' },
      el('header', {}, el('h3', {}, name), this.statusText, this.progress),
      this.alert,
      this.body,
    );
  }

  /** Uploads the file and follows the job to its end. */
  async submit(params: VadParamsInput): Promise<void> {
    if (!this.file) throw new Error('submit needs a local file');
    try {
      this.setStatus('uploading');
      const { id } = await this.api.submitJob(this.file, this.name, params);
      await this.follow(id);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Follows an existing job (from the jobs list); without the local file there is no waveform. */
  async open(jobId: string): Promise<void> {
    try {
      await this.follow(jobId);
    } catch (err) {
      this.fail(err);
    }
  }

  private async follow(jobId: string): Promise<void> {
    this.jobId = jobId;
    this.element.dataset.jobId = jobId;
    for (;;) {
      const job = await this.api.job(jobId);
      this.setStatus(job.status);
      const { audioMsDone, audioMsTotal } = job.progress;
      if (audioMsTotal) {
        this.progress.max = audioMsTotal;
        this.progress.value = Math.min(audioMsDone, audioMsTotal);
      }
      if (job.status === 'completed') break;
      if (TERMINAL.has(job.status)) {
        if (job.error) throw new ApiError(job.error.code, job.error.message, 200);
        throw new ApiError('JOB_CANCELLED', `The job ended ${job.status}.`, 200);
      }
      await sleep(POLL_INTERVAL_MS);
    }
    this.progress.hidden = true;
    this.result = await this.api.result(jobId);
    await this.renderResult();
  }

  /** Shows the current segments for `params` next to the job's result; later calls supersede earlier ones. */
  async rescore(params: VadParamsInput): Promise<void> {
    if (!this.result || !this.jobId) return;
    this.rescoreAbort?.abort();
    const abort = new AbortController();
    this.rescoreAbort = abort;
    this.rescoreNote.textContent = 'Rescoring…';
    this.element.dataset.rescore = 'pending';
    try {
      const rescored = await this.api.rescore(this.jobId, params, abort.signal);
      if (abort.signal.aborted) return;
      this.rescored = { channels: rescored.channels, params: rescored.params };
      this.hideAlert();
      this.rescoreNote.textContent = `Rescored with ${describeParams(rescored.params)} without running the model again: new regions in blue, the job's own as a grey strip below them.`;
      this.element.dataset.rescore = 'done';
      this.renderSegments();
    } catch (err) {
      if (abort.signal.aborted) return;
      this.rescoreNote.textContent = '';
      this.element.dataset.rescore = 'failed';
      this.showError(err);
    }
  }

  destroy(): void {
    this.rescoreAbort?.abort();
    this.waveform?.destroy();
  }

  private laneName = (channel: number): string => {
    if (this.channelCount !== 2) return this.channelCount > 1 ? `channel ${channel}` : 'speech';
    const role = parseCallQa(this.result?.qa)?.channels.find((c) => c.channel === channel)?.role;
    return role ?? (channel === 0 ? 'agent' : 'customer');
  };

  private async renderResult(): Promise<void> {
    const result = this.result!;
    this.channelCount = result.channels.length;
    const exports = el(
      'div',
      { class: 'exports', role: 'group', 'aria-label': 'Export segments' },
      el('span', {}, 'Export:'),
      ...(Object.keys(EXPORT_FORMATS) as ExportFormat[]).map((format) => {
        const button = el('button', { type: 'button', 'data-format': format }, EXPORT_FORMATS[format].label);
        button.addEventListener('click', () => this.export(format));
        return button;
      }),
    );
    const qa = parseCallQa(result.qa);
    this.body.replaceChildren(
      el('p', { class: 'note' }, `${(result.durationMs / 1000).toFixed(2)} s, ${result.channels.length} channel(s), ${describeParams(result.params)}${result.cached ? ', from cache' : ''}`),
      this.rescoreNote,
      this.regionList,
      exports,
      qa ? renderQaSummary(qa, this.laneName) : '',
      this.tableSlot,
    );
    if (this.file) {
      this.waveform = new WaveformView(this.file, (channel, count) => {
        this.channelCount = Math.max(this.channelCount, count);
        return this.laneName(channel);
      });
      this.body.prepend(this.waveform.element);
      await this.waveform.ready.then(
        () => undefined,
        () => this.showAlert('WAVEFORM_UNAVAILABLE', 'This browser cannot decode the file to draw its waveform; the segments are listed below.'),
      );
    }
    this.renderSegments();
  }

  private renderSegments(): void {
    const result = this.result!;
    const columns: SegmentColumn[] = this.rescored
      ? [
          { title: `Job result, ${describeParams(result.params)}`, kind: 'previous', channels: result.channels },
          { title: `Rescored, ${describeParams(this.rescored.params)}`, kind: 'current', channels: this.rescored.channels },
        ]
      : [{ title: 'Segments', kind: 'current', channels: result.channels }];
    const current = this.rescored?.channels ?? result.channels;
    this.waveform?.showSegments(current, this.rescored ? result.channels : null);
    this.regionList.replaceChildren(
      ...columns.flatMap(({ kind, channels }) =>
        channels.flatMap(({ channel, segments }) =>
          segments.map(([startMs, endMs]) =>
            el('li', { 'data-testid': 'region', 'data-kind': kind, 'data-channel': channel, 'data-start-ms': startMs, 'data-end-ms': endMs }, `${this.laneName(channel)} ${startMs}–${endMs} ms`),
          ),
        ),
      ),
    );
    this.tableSlot.replaceChildren(renderSegmentTables(columns, this.laneName, (s, e) => this.waveform?.playSegment(s, e)));
  }

  private export(format: ExportFormat): void {
    const result = this.result!;
    const channels = this.rescored?.channels ?? result.channels;
    const document = this.rescored ? { ...result, channels, params: this.rescored.params, rescoredFrom: result.params } : result;
    const base = this.name.replace(/\.[^.]+$/, '') || 'audio';
    const { extension, mime } = EXPORT_FORMATS[format];
    downloadBlob(`${base}.segments.${extension}`, new Blob([exportSegments(format, channels, base, document)], { type: mime }));
  }

  private setStatus(status: string): void {
    this.statusText.textContent = status;
    this.element.dataset.status = status;
  }

  private fail(err: unknown): void {
    this.setStatus(this.element.dataset.status === 'uploading' ? 'rejected' : 'failed');
    this.progress.hidden = true;
    this.showError(err);
  }

  private showError(err: unknown): void {
    if (err instanceof ApiError) this.showAlert(err.code, err.message);
    else this.showAlert('CONSOLE_ERROR', (err as Error).message ?? String(err));
  }

  private showAlert(code: string, message: string): void {
    this.alert.replaceChildren(el('code', { 'data-testid': 'error-code' }, code), ' ', message);
    this.alert.hidden = false;
  }

  private hideAlert(): void {
    this.alert.hidden = true;
  }
}
