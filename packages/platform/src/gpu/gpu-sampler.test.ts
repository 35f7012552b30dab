import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerMetrics } from '../metrics/create-metrics.js';
import { GpuSampler } from './gpu-sampler.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gpu-sampler-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A stand-in nvidia-smi: a shell script printing `stdout` and exiting with `exitCode`. */
async function fakeNvidiaSmi(name: string, stdout: string, exitCode = 0): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\ncat <<'OUT'\n${stdout}OUT\nexit ${exitCode}\n`);
  await chmod(path, 0o755);
  return path;
}

async function gpuSeries(metrics: ReturnType<typeof createWorkerMetrics>): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((line) => line.startsWith('vadfleet_gpu_'));
}

describe('GpuSampler', () => {
  it('records each device from nvidia-smi, leaving out fields it reports as N/A', async () => {
    const metrics = createWorkerMetrics({ defaultMetrics: false });
    const command = await fakeNvidiaSmi('two-gpus', '0, GPU-a, NVIDIA A100-SXM4-40GB, 1024, 40960, [N/A]\n1, GPU-b, Tesla T4, 512, 15360, 50\n');
    const readings = await new GpuSampler(metrics, { intervalMs: 60_000, command }).sampleOnce();
    expect(readings).toHaveLength(2);
    expect(await gpuSeries(metrics)).toEqual([
      'vadfleet_gpu_available 1',
      'vadfleet_gpu_memory_used_bytes{gpu="0",uuid="GPU-a"} 1073741824',
      'vadfleet_gpu_memory_used_bytes{gpu="1",uuid="GPU-b"} 536870912',
      'vadfleet_gpu_memory_total_bytes{gpu="0",uuid="GPU-a"} 42949672960',
      'vadfleet_gpu_memory_total_bytes{gpu="1",uuid="GPU-b"} 16106127360',
      'vadfleet_gpu_utilization_ratio{gpu="1",uuid="GPU-b"} 0.5',
    ]);
  });

  it('without nvidia-smi (ENOENT) records no GPU series and available 0', async () => {
    const metrics = createWorkerMetrics({ defaultMetrics: false });
    const sampler = new GpuSampler(metrics, { intervalMs: 60_000, command: join(dir, 'no-such-nvidia-smi') });
    expect(await sampler.sampleOnce()).toBeNull();
    expect(await gpuSeries(metrics)).toEqual(['vadfleet_gpu_available 0']);
  });

  it('a failing nvidia-smi clears the previous sample and reports the error', async () => {
    const metrics = createWorkerMetrics({ defaultMetrics: false });
    metrics.recordGpus([{ index: '0', uuid: 'GPU-a', name: 'x', memoryUsedBytes: 1, memoryTotalBytes: 2, utilizationRatio: 0.1 }]);
    const errors: Error[] = [];
    const command = await fakeNvidiaSmi('driver-gone', "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n", 9);
    expect(await new GpuSampler(metrics, { intervalMs: 60_000, command, onError: (e) => errors.push(e) }).sampleOnce()).toBeNull();
    expect(errors).toHaveLength(1);
    expect(await gpuSeries(metrics)).toEqual(['vadfleet_gpu_available 0']);
  });
});
