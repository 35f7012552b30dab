import type { WriteStream } from 'node:tty';
import type { Progress } from '../vad.js';

/** A one-line progress bar on a terminal (the CLI shows it only when stderr is a TTY). */
export class ProgressBar {
  private lastDraw = 0;

  constructor(
    private readonly out: WriteStream,
    private readonly label: string,
  ) {}

  update({ audioMsDone, audioMsTotal }: Progress): void {
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const done = (audioMsDone / 1000).toFixed(0);
    if (audioMsTotal) {
      const ratio = Math.min(1, audioMsDone / audioMsTotal);
      const width = 30;
      const filled = Math.round(ratio * width);
      this.out.write(`\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0)}% ${done}/${(audioMsTotal / 1000).toFixed(0)} s`);
    } else {
      this.out.write(`\r${this.label} ${done} s`);
    }
  }

  done(): void {
    if (this.lastDraw > 0) this.out.write('\r\x1b[K');
  }
}
