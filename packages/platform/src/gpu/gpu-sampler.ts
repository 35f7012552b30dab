import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { IntervalSampler } from '../metrics/interval-sampler.js';
import { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv, type GpuReading } from './nvidia-smi.js';

const execFileAsync = promisify(execFile);

/** Where samples go; `WorkerMetrics` from `@vadfleet/platform/metrics` is one. */
export interface GpuReadingSink {
  recordGpus(readings: readonly GpuReading[] | null): void;
}

export interface GpuSamplerOptions {
  intervalMs: number;
  /** The nvidia-smi binary; default `nvidia-smi` from PATH. */
  command?: string;
  /** A hung driver must not pile up processes; default 5 s. */
  timeoutMs?: number;
  /** Called when nvidia-smi exists but failed or printed something unexpected. */
  onError?: (err: Error) => void;
}

/**
 * Runs nvidia-smi every `intervalMs` and hands each sample to the sink. A host without nvidia-smi (spawn
 * ENOENT) is recorded once as "no GPU" and never polled again; a failing nvidia-smi (driver not loaded,
 * timeout) records "no GPU" for that sample and is tried again at the next interval.
 */
export class GpuSampler extends IntervalSampler {
  private missing = false;

  constructor(
    private readonly sink: GpuReadingSink,
    private readonly options: GpuSamplerOptions,
  ) {
    super(options.intervalMs);
  }

  /** Takes one sample, records it, and returns it (`null`: no GPU readable). Never throws. */
  override async sampleOnce(): Promise<GpuReading[] | null> {
    const readings = await this.read();
    this.sink.recordGpus(readings);
    return readings;
  }

  private async read(): Promise<GpuReading[] | null> {
    if (this.missing) return null;
    try {
      const { stdout } = await execFileAsync(this.options.command ?? 'nvidia-smi', NVIDIA_SMI_ARGS, {
        timeout: this.options.timeoutMs ?? 5000,
        encoding: 'utf8',
      });
      return parseNvidiaSmiCsv(stdout);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.missing = true;
        this.stop();
      } else {
        this.options.onError?.(err as Error);
      }
      return null;
    }
  }
}
