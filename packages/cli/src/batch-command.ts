/**
 * `vadfleet batch submit|list|status|results`: a thin client of the batches API (docs/batches.md). The API
 * URL and key come from --api/--key or VADFLEET_API_URL/VADFLEET_API_KEY.
 */
import { parseArgs } from 'node:util';
import { BatchProgress, type BatchViewLike } from './batch-progress.js';

const HELP = `Usage:
  vadfleet batch submit s3://BUCKET/PREFIX [options]   start a batch over every object under the prefix
      --preset NAME          VAD preset (fast-dialogue, meeting, lecture, noisy)
      --suffix .wav          only keys ending with this
      --glob PATTERN         only keys matching this glob (* ** ?)
      --output s3://BUCKET/PREFIX   where result JSONs go (default: the service's results bucket)
      --webhook URL          POSTed, signed, when the batch completes
      --idempotency-key KEY  submitting again with the same key returns the same batch
      --dry-run              list and estimate (objects, bytes, audio hours, ETA); enqueue nothing
      --wait                 follow the batch until it ends (a progress bar on a terminal)
  vadfleet batch list [options]                        your batches, newest first, with their progress
      --status STATE         only batches in this state (expanding, running, completed, cancelled, failed)
      --limit N              batches per page (1-100, default 20); the next page's cursor goes to stderr
      --cursor CURSOR        start at this page
      --all                  every page
      --json                 one JSON batch view per line instead of a table
  vadfleet batch status ID                             the batch as JSON
  vadfleet batch results ID [--format ndjson|csv]      every call's outcome, to stdout
Common: --api URL (or VADFLEET_API_URL, default http://127.0.0.1:8080), --key KEY (or VADFLEET_API_KEY).
Exit status: 0 done (with --wait: the batch completed with no failed call), 1 failure, 2 usage error.`;

class UsageError extends Error {}

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new UsageError(`expected s3://BUCKET/PREFIX, got "${url}"`);
  return { bucket: match[1], prefix: match[2] };
}

interface Client {
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

function client(api: string, key: string | undefined): Client {
  return {
    async call(method, path, body, headers = {}) {
      const res = await fetch(new URL(path, api), {
        method,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!res.ok) {
        const text = await res.text();
        let message = text;
        try {
          const err = (JSON.parse(text) as { error: { code: string; message: string } }).error;
          message = `${err.code}: ${err.message}`;
        } catch {
          // not our error shape
        }
        throw new Error(`${method} ${path} answered ${res.status}: ${message}`);
      }
      return res;
    },
  };
}

export async function runBatchCli(argv: string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout, err: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        api: { type: 'string' },
        key: { type: 'string' },
        preset: { type: 'string' },
        suffix: { type: 'string' },
        glob: { type: 'string' },
        output: { type: 'string' },
        webhook: { type: 'string' },
        'idempotency-key': { type: 'string' },
        'dry-run': { type: 'boolean' },
        wait: { type: 'boolean' },
        format: { type: 'string' },
        status: { type: 'string' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
        'interval-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    err.write(`vadfleet batch: ${(e as Error).message}\n${HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.write(`${HELP}\n`);
    return 0;
  }
  const api = client(values.api ?? env.VADFLEET_API_URL ?? 'http://127.0.0.1:8080', values.key ?? env.VADFLEET_API_KEY);
  const [sub, arg] = positionals;
  try {
    if (sub === 'list') return await listBatches(api, values, out, err);
    if (!arg) throw new UsageError(sub ? `"${sub}" needs an argument` : 'missing subcommand (submit, list, status, results)');
    if (sub === 'submit') {
      const input = parseS3Url(arg);
      const output = values.output ? parseS3Url(values.output) : undefined;
      const body = {
        input: { s3: { bucket: input.bucket, prefix: input.prefix, suffix: values.suffix, glob: values.glob } },
        params: values.preset ? { preset: values.preset } : undefined,
        output: output ? { s3: output } : undefined,
        webhook: values.webhook ? { url: values.webhook } : undefined,
        dryRun: values['dry-run'] || undefined,
      };
      const headers: Record<string, string> = values['idempotency-key'] ? { 'idempotency-key': values['idempotency-key'] } : {};
      const accepted = (await (await api.call('POST', '/v1/batches', body, headers)).json()) as { id: string };
      out.write(`${JSON.stringify(accepted)}\n`);
      if (!values.wait || values['dry-run']) return 0;
      const progress = new BatchProgress(err);
      const intervalMs = Number(values['interval-ms'] ?? 1000);
      for (;;) {
        const view = (await (await api.call('GET', `/v1/batches/${accepted.id}`)).json()) as BatchViewLike;
        progress.update(view);
        if (['completed', 'cancelled', 'failed'].includes(view.status)) {
          progress.done(view);
          return view.status === 'completed' && view.counts.failed === 0 ? 0 : 1;
        }
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    }
    if (sub === 'status') {
      out.write(`${JSON.stringify(await (await api.call('GET', `/v1/batches/${encodeURIComponent(arg)}`)).json(), null, 2)}\n`);
      return 0;
    }
    if (sub === 'results') {
      const format = values.format ?? 'ndjson';
      if (format !== 'csv' && format !== 'ndjson') throw new UsageError('--format must be csv or ndjson');
      const res = await api.call('GET', `/v1/batches/${encodeURIComponent(arg)}/results?format=${format}`);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      }
      return 0;
    }
    throw new UsageError(`unknown subcommand "${sub}"`);
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`vadfleet batch: ${e.message}\n${HELP}\n`);
      return 2;
    }
    err.write(`vadfleet batch: ${(e as Error).message}\n`);
    return 1;
  }
}

interface ListOptions {
  status?: string;
  limit?: string;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

type ListedBatch = BatchViewLike & { percent: number; createdAt: string };

/** A row of `batch list`'s table: the columns a person scans for (a total still growing while listing ends in +). */
function listRow(b: ListedBatch): string[] {
  const done = b.counts.completed + b.counts.failed + b.counts.cancelled;
  return [b.id, b.status, `${b.percent}%`, `${done}/${b.counts.total}${b.listingComplete ? '' : '+'}`, String(b.counts.failed), b.createdAt];
}

async function listBatches(api: Client, values: ListOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const limit = values.limit ?? '20';
  if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 100) throw new UsageError('--limit must be a whole number from 1 to 100');
  const rows: string[][] = [['ID', 'STATUS', 'PERCENT', 'DONE', 'FAILED', 'CREATED']];
  let cursor = values.cursor;
  for (;;) {
    const query = new URLSearchParams({ limit, ...(values.status ? { status: values.status } : {}), ...(cursor ? { cursor } : {}) });
    const page = (await (await api.call('GET', `/v1/batches?${query}`)).json()) as { items: ListedBatch[]; nextCursor: string | null };
    for (const b of page.items) {
      if (values.json) out.write(`${JSON.stringify(b)}\n`);
      else rows.push(listRow(b));
    }
    cursor = page.nextCursor ?? undefined;
    if (!cursor || !values.all) break;
  }
  if (!values.json) {
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const r of rows) out.write(`${r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()}\n`);
  }
  if (cursor) err.write(`more: vadfleet batch list --cursor ${cursor}${values.status ? ` --status ${values.status}` : ''}\n`);
  return 0;
}
