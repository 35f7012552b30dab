/** The fields of GET /v1/batches/:id the progress display reads. */
export interface BatchViewLike {
  id: string;
  status: string;
  listingComplete: boolean;
  counts: { total: number; completed: number; failed: number; cancelled: number };
  audioMsProcessed: number;
  audioSecondsPerSecond: number | null;
  etaSeconds: number | null;
}

const BAR_WIDTH = 28;
/** Without a terminal, one line per this interval (logs and CI do not want a line per poll). */
const PLAIN_LINE_INTERVAL_MS = 10_000;

function duration(seconds: number | null): string {
  if (seconds === null) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The state of a batch as one line: done/total, audio hours, throughput (× real time), ETA, failures. */
export function formatProgress(v: BatchViewLike): string {
  const done = v.counts.completed + v.counts.failed + v.counts.cancelled;
  const total = `${v.counts.total}${v.listingComplete ? '' : '+'}`;
  const hours = (v.audioMsProcessed / 3_600_000).toFixed(2);
  const speed = v.audioSecondsPerSecond === null ? '?' : `${v.audioSecondsPerSecond.toFixed(1)}x`;
  return `${done}/${total} calls  ${hours} h audio  ${speed} real time  ETA ${duration(v.etaSeconds)}  failed ${v.counts.failed}`;
}

/** A live bar on a terminal (rewritten in place), plain periodic lines otherwise. */
export class BatchProgress {
  private lastPlain = 0;

  constructor(private readonly stream: NodeJS.WritableStream & { isTTY?: boolean }) {}

  update(v: BatchViewLike): void {
    if (this.stream.isTTY) {
      const done = v.counts.completed + v.counts.failed + v.counts.cancelled;
      const filled = v.counts.total ? Math.round((done / v.counts.total) * BAR_WIDTH) : 0;
      this.stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${formatProgress(v)}`);
      return;
    }
    const now = Date.now();
    if (now - this.lastPlain < PLAIN_LINE_INTERVAL_MS) return;
    this.lastPlain = now;
    this.stream.write(`${v.id} ${v.status}: ${formatProgress(v)}\n`);
  }

  done(v: BatchViewLike): void {
    this.stream.write(`${this.stream.isTTY ? '\r\x1b[2K' : ''}${v.id} ${v.status}: ${formatProgress(v)}\n`);
  }
}
