import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiCsv } from './nvidia-smi.js';

const MIB = 1024 * 1024;

// Outputs of `nvidia-smi --query-gpu=index,uuid,name,memory.used,memory.total,utilization.gpu
// --format=csv,noheader,nounits`, written out by hand in the shapes the driver prints.
const TWO_T4 = `0, GPU-5f3c1c7e-1a2b-4c3d-9e8f-0123456789ab, Tesla T4, 1234, 15360, 37
1, GPU-6a4d2d8f-2b3c-5d4e-af90-123456789abc, Tesla T4, 0, 15360, 0
`;
// MIG mode on GPU 0: per-GPU utilisation is not available; the mode-off GPU 1 reports normally.
const A100_MIG = `0, GPU-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0, NVIDIA A100-SXM4-40GB, 13, 40960, [N/A]
1, GPU-1c2d3e4f-5061-7283-94a5-b6c7d8e9f001, NVIDIA A100-SXM4-40GB, 40123, 40960, 98
`;
const NOT_SUPPORTED = '0, GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee, NVIDIA GeForce GT 710, [Not Supported], 2048, [Not Supported]\r\n';

describe('parseNvidiaSmiCsv', () => {
  it('reads memory in MiB as bytes and utilisation in percent as a ratio', () => {
    expect(parseNvidiaSmiCsv(TWO_T4)).toEqual([
      { index: '0', uuid: 'GPU-5f3c1c7e-1a2b-4c3d-9e8f-0123456789ab', name: 'Tesla T4', memoryUsedBytes: 1234 * MIB, memoryTotalBytes: 15360 * MIB, utilizationRatio: 0.37 },
      { index: '1', uuid: 'GPU-6a4d2d8f-2b3c-5d4e-af90-123456789abc', name: 'Tesla T4', memoryUsedBytes: 0, memoryTotalBytes: 15360 * MIB, utilizationRatio: 0 },
    ]);
  });

  it('turns [N/A] on a MIG-enabled GPU into null and keeps its memory', () => {
    const [mig, plain] = parseNvidiaSmiCsv(A100_MIG);
    expect(mig).toMatchObject({ index: '0', memoryUsedBytes: 13 * MIB, memoryTotalBytes: 40960 * MIB, utilizationRatio: null });
    expect(plain).toMatchObject({ index: '1', memoryUsedBytes: 40123 * MIB, utilizationRatio: 0.98 });
  });

  it('turns [Not Supported] into null and accepts CRLF line ends', () => {
    expect(parseNvidiaSmiCsv(NOT_SUPPORTED)).toEqual([
      { index: '0', uuid: 'GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', name: 'NVIDIA GeForce GT 710', memoryUsedBytes: null, memoryTotalBytes: 2048 * MIB, utilizationRatio: null },
    ]);
  });

  it('keeps a comma inside the product name', () => {
    expect(parseNvidiaSmiCsv('2, GPU-x, Board, Rev 2, 10, 20, 30\n')[0]).toMatchObject({ index: '2', name: 'Board, Rev 2', utilizationRatio: 0.3 });
  });

  it('returns no GPUs for empty output and throws on a line that is not a reading', () => {
    expect(parseNvidiaSmiCsv('\n')).toEqual([]);
    expect(() => parseNvidiaSmiCsv('NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.')).toThrow(/Unexpected nvidia-smi output line/);
  });
});
