import type { BatchView, JobView, ResultDocument } from '@vadfleet/shared/schemas';
import type { VadParamsInput } from '@vadfleet/shared/vad-params';

/** A failed API call in the API's own vocabulary: the catalogue code and its actionable message. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Segment = [startMs: number, endMs: number];
export interface ChannelSegments {
  channel: number;
  segments: Segment[];
}
export interface RescoreResult {
  channels: ChannelSegments[];
  params: ResultDocument['params'];
}
export interface BatchPage {
  items: BatchView[];
  nextCursor: string | null;
}

export interface JobPage {
  items: JobView[];
  nextCursor: string | null;
}
export type { BatchView };
/** One line of `GET /v1/batches/:id/results` (NDJSON): a call's outcome, with its result JSON when it completed. */
export interface BatchResultLine {
  index: number;
  key: string | null;
  status: string;
  error?: { code: string; message: string };
  durationMs?: number;
  result?: { channels?: ChannelSegments[]; qa?: unknown };
}
export interface BatchInput {
  bucket: string;
  prefix: string;
  params: VadParamsInput;
}

/**
 * The console's only door to the REST API: every call carries the bearer key, and every non-2xx answer
 * becomes an ApiError with the server's `{error: {code, message}}` (or a code naming what went wrong
 * when the body is not ours, e.g. a proxy's HTML page or a dropped connection).
 */
export class ApiClient {
  constructor(
    private readonly apiKey: () => string,
    private readonly baseUrl = '',
  ) {}

  /** The response of a 2xx answer; anything else is thrown as an ApiError. */
  private async send(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${this.apiKey()}`, ...init.headers } });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError('NETWORK_ERROR', `The API could not be reached: ${(err as Error).message}`, 0);
    }
    if (res.ok) return res;
    const error = await res.json().then(
      (body: { error?: { code?: unknown; message?: unknown } }) => body?.error,
      () => undefined,
    );
    if (error && typeof error.code === 'string') throw new ApiError(error.code, String(error.message ?? ''), res.status);
    throw new ApiError(`HTTP_${res.status}`, `${res.status} ${res.statusText}`.trim(), res.status);
  }

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.send(path, init)).json()) as T;
  }

  private json(method: string, body: unknown, signal?: AbortSignal): RequestInit {
    return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal };
  }

  /** Multipart upload; the API requires `params` before `file`. */
  submitJob(file: Blob, fileName: string, params: VadParamsInput): Promise<{ id: string }> {
    const form = new FormData();
    form.append('params', JSON.stringify(params));
    form.append('file', file, fileName);
    return this.call('/v1/jobs', { method: 'POST', body: form });
  }

  job(id: string): Promise<JobView> {
    return this.call(`/v1/jobs/${encodeURIComponent(id)}`);
  }

  result(id: string): Promise<ResultDocument & { qa?: unknown }> {
    return this.call(`/v1/jobs/${encodeURIComponent(id)}/result`);
  }

  /** Segments for other parameters from the job's stored model output, without another model run. */
  rescore(id: string, params: VadParamsInput, signal?: AbortSignal): Promise<RescoreResult> {
    return this.call(`/v1/jobs/${encodeURIComponent(id)}/rescore`, this.json('POST', { params }, signal));
  }

  listJobs(limit: number, cursor?: string): Promise<JobPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    return this.call(`/v1/jobs?${query}`);
  }

  createBatch(input: BatchInput): Promise<{ id: string }> {
    return this.call('/v1/batches', this.json('POST', { input: { s3: { bucket: input.bucket, prefix: input.prefix } }, params: input.params }));
  }

  listBatches(limit: number, cursor?: string): Promise<BatchPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    return this.call(`/v1/batches?${query}`);
  }

  batch(id: string): Promise<BatchView> {
    return this.call(`/v1/batches/${encodeURIComponent(id)}`);
  }

  /** Cancels a running batch; the answer is its view after the cancel (409 CONFLICT once it has ended). */
  cancelBatch(id: string): Promise<BatchView> {
    return this.call(`/v1/batches/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  /** The batch's calls as they arrive from the NDJSON stream, one parsed line at a time. */
  async *batchResults(id: string, signal?: AbortSignal): AsyncGenerator<BatchResultLine> {
    const res = await this.send(`/v1/batches/${encodeURIComponent(id)}/results`, { signal });
    if (!res.body) throw new ApiError('CONSOLE_ERROR', 'The results answer has no body.', res.status);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buffered += value;
      const lines = buffered.split('\n');
      buffered = done ? '' : lines.pop()!;
      for (const line of lines) if (line.trim()) yield JSON.parse(line) as BatchResultLine;
      if (done) return;
    }
  }

  async batchResultsCsv(id: string): Promise<Blob> {
    return (await this.send(`/v1/batches/${encodeURIComponent(id)}/results?format=csv`)).blob();
  }
}
