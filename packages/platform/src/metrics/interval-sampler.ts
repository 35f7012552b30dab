/**
 * Samples now and then every `intervalMs` until stopped. The timer is unref'd: a sampler never keeps
 * a process alive. Subclasses implement `sampleOnce`, which must not throw.
 */
export abstract class IntervalSampler {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  start(): void {
    if (this.timer) return;
    void this.sampleOnce();
    this.timer = setInterval(() => void this.sampleOnce(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  abstract sampleOnce(): Promise<unknown>;
}
