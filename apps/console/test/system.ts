/**
 * The whole service for browser tests: API and one worker as child processes (built dist/, as
 * deployed) against the shared Redis and the run's s3rver, with a queue prefix and buckets of their own.
 */
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { ServiceUnderTest } from '@vadfleet/testkit/service-under-test';
import { s3rverClientConfig } from '@vadfleet/testkit/s3-server';

export const API_KEY = 'console-test-key-0123456789';

export class System extends ServiceUnderTest {
  readonly store: ObjectStore;

  constructor(options: { redisUrl: string; s3Endpoint: string }) {
    const store = new ObjectStore(createS3Client(s3rverClientConfig(options.s3Endpoint)));
    super({ ...options, label: 'console', buckets: store, apiKeys: `${API_KEY}:tenant-console` });
    this.store = store;
  }

  /** The API and one worker taking one job at a time. */
  async start(): Promise<void> {
    await this.startApi();
    await this.startWorker({ WORKER_CONCURRENCY: '1' });
  }

  /** The worker's model runs so far (`vadfleet_inference_runs_total`). */
  async inferenceRuns(): Promise<number> {
    const text = await (await fetch(this.workers[0].url)).text();
    const line = text.split('\n').find((l) => l.startsWith('vadfleet_inference_runs_total '));
    if (!line) throw new Error(`no vadfleet_inference_runs_total at ${this.workers[0].url}`);
    return Number(line.split(' ')[1]);
  }
}
