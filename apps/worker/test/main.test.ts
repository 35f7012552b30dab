import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import type {} from '@vadfleet/testkit/global-setup';
import { randomPrefix } from '@vadfleet/testkit/names';
import { s3rverAppEnv } from '@vadfleet/testkit/s3-server';
import { MODEL_DIR } from '@vadfleet/testkit/service-under-test';
import { repoRoot } from '@vadfleet/testkit/spawn-app';

// Runs the built app (apps/worker/dist/main.js): build it first.
describe('worker process', () => {
  it('exits 1 with one line naming METRICS_PORT, not a stack trace, when the metrics port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const child = spawn(process.execPath, ['apps/worker/dist/main.js'], {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '', REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: randomPrefix('port'), ...s3rverAppEnv(inject('s3Endpoint')), VAD_MODEL_DIR: MODEL_DIR, METRICS_PORT: String(port) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toBe(`worker: metrics port ${port} is taken: set METRICS_PORT to a free port (0 picks one).\n`);
    } finally {
      taken.close();
    }
  }, 60_000);
});
