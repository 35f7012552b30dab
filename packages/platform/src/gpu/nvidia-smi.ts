/**
 * Reading GPUs through `nvidia-smi`, the one tool every NVIDIA driver ships. We ask for CSV without
 * header or units (`NVIDIA_SMI_ARGS`), so memory comes in MiB and utilisation in percent; fields the
 * device cannot report (MIG mode, some consumer boards) read `[N/A]` or `[Not Supported]` and become null.
 */

export const NVIDIA_SMI_ARGS = [
  '--query-gpu=index,uuid,name,memory.used,memory.total,utilization.gpu',
  '--format=csv,noheader,nounits',
] as const;

export interface GpuReading {
  /** nvidia-smi's device index, as a label value. */
  index: string;
  uuid: string;
  name: string;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  /** 0..1 */
  utilizationRatio: number | null;
}

const BYTES_PER_MIB = 1024 * 1024;
const FIELD_COUNT = 6;

/** Parses the output of `nvidia-smi ${NVIDIA_SMI_ARGS}`; a line that is not six fields throws. */
export function parseNvidiaSmiCsv(text: string): GpuReading[] {
  const readings: GpuReading[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const fields = line.split(',').map((field) => field.trim());
    if (fields.length < FIELD_COUNT) throw new Error(`Unexpected nvidia-smi output line (want ${FIELD_COUNT} fields): ${line}`);
    // A product name could contain a comma: it is everything between the uuid and the last three fields.
    const [index, uuid] = fields;
    const name = fields.slice(2, fields.length - 3).join(', ');
    const [memoryUsedMib, memoryTotalMib, utilizationPercent] = fields.slice(-3).map(parseReportedNumber);
    readings.push({
      index,
      uuid,
      name,
      memoryUsedBytes: memoryUsedMib === null ? null : memoryUsedMib * BYTES_PER_MIB,
      memoryTotalBytes: memoryTotalMib === null ? null : memoryTotalMib * BYTES_PER_MIB,
      utilizationRatio: utilizationPercent === null ? null : utilizationPercent / 100,
    });
  }
  return readings;
}

/** A plain non-negative number, or null for `[N/A]`, `[Not Supported]`, `[Unknown Error]` and the like. */
function parseReportedNumber(field: string): number | null {
  return /^\d+(\.\d+)?$/.test(field) ? Number(field) : null;
}
