import type { SpeechExportOptions } from '@vadfleet/shared/speech-export';
import type { DetectJobData } from '@vadfleet/shared/queue';
import { speechBase } from '@vadfleet/shared/speech-export';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import type { WorkerMetrics } from '@vadfleet/platform/metrics';
import { exportSpeech, type SpeechExportResult } from '@vadfleet/speech-export';
import type { Segment } from '@vadfleet/vad-core';

export interface SpeechStepInput {
  store: ObjectStore;
  metrics: WorkerMetrics;
  options: SpeechExportOptions;
  input: { bucket: string; key: string };
  /** The job's result JSON location: the speech goes beside it, `<result key without .json>/…`. */
  output: { bucket: string; key: string };
  detected: { durationMs: number; channels: readonly { channel: number; segments: readonly Segment[] }[] };
  limits: { maxChannels: number; maxDurationMs: number };
  signal?: AbortSignal;
}

/**
 * A job's speech export (output.speech): a second read of the input from S3, cut by the job's segments,
 * written to the output bucket under deterministic keys (a retried job overwrites its earlier attempt's
 * objects). Returns the listing for the result JSON and counts the exported and removed seconds.
 */
export async function exportJobSpeech(step: SpeechStepInput): Promise<SpeechExportResult & { bucket: string }> {
  const { store, output } = step;
  const input = await store.getStream(step.input.bucket, step.input.key);
  let speech: SpeechExportResult;
  try {
    speech = await exportSpeech({
      source: input.body,
      channels: step.detected.channels,
      durationMs: step.detected.durationMs,
      options: step.options,
      store: {
        create: async (key, contentType) => store.createPatchableUpload(output.bucket, key, contentType),
        put: async (key, body, contentType) => void (await store.putBytes(output.bucket, key, body, contentType)),
      },
      base: speechBase(output.key),
      maxChannels: step.limits.maxChannels,
      maxDurationMs: step.limits.maxDurationMs,
      signal: step.signal,
    });
  } finally {
    input.body.destroy();
  }
  const exportedS = speech.channels.reduce((s, c) => s + c.speechMs, 0) / 1000;
  step.metrics.speechExported.inc(exportedS);
  step.metrics.speechRemoved.inc(Math.max(0, (speech.channels.length * step.detected.durationMs) / 1000 - exportedS));
  return { bucket: output.bucket, ...speech };
}

type Detected = SpeechStepInput['detected'];

/**
 * The job's speech export as a function of its segments (a fresh run's, or an earlier result's on a cache
 * hit: the earlier job's exported speech is its own, this job exports again); undefined when the job asks
 * for none.
 */
export function speechExporter(deps: Pick<SpeechStepInput, 'store' | 'metrics' | 'limits' | 'signal'>, data: DetectJobData, output: SpeechStepInput['output']) {
  const options = data.output.speech;
  return async (detected: Detected | Record<string, unknown>) =>
    options && exportJobSpeech({ ...deps, options, input: data.input, output, detected: detected as Detected });
}
