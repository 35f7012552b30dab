import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import type {} from '@vadfleet/testkit/global-setup';
import { randomBucket, randomPrefix } from '@vadfleet/testkit/names';
import { s3rverAppEnv } from '@vadfleet/testkit/s3-server';
import { startPrivateRedis } from '@vadfleet/testkit/redis-server';
import { repoRoot, spawnApp } from '@vadfleet/testkit/spawn-app';
import { createRedis } from '@vadfleet/platform/queue';

// Runs the built app (apps/api/dist/main.js): build it first.
/** Runs main.js to its exit and returns the exit code and stderr. */
async function runToExit(env: Record<string, string>): Promise<{ code: unknown; stderr: string }> {
  const child = spawn(process.execPath, ['apps/api/dist/main.js'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', API_KEYS: 'abcdefghijklmnop:t', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

describe('api process', () => {
  it('exits 1 naming the bad variable when the config is invalid', async () => {
    const { code, stderr } = await runToExit({ PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ {2}PORT: /m);
  });

  it('exits 1 explaining why when Redis may evict keys', async () => {
    const server = await startPrivateRedis();
    const redis = createRedis(server.url);
    try {
      await redis.config('SET', 'maxmemory-policy', 'volatile-lru');
      const { code, stderr } = await runToExit({ REDIS_URL: server.url });
      expect(code).toBe(1);
      expect(stderr).toContain('maxmemory-policy is "volatile-lru" but must be "noeviction"');
    } finally {
      await redis.quit();
      await server.stop();
    }
  });

  it('exits 1 with one line naming PORT, not a stack trace, when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, stderr } = await runToExit({
        PORT: String(port),
        REDIS_URL: inject('redisUrl'),
        QUEUE_PREFIX: randomPrefix('port'),
        ...s3rverAppEnv(inject('s3Endpoint')),
        UPLOAD_BUCKET: randomBucket('up'),
        RESULTS_BUCKET: randomBucket('res'),
      });
      expect(code).toBe(1);
      expect(stderr).toBe(`port ${port} is taken: set PORT to a free port (0 picks one).\n`);
    } finally {
      taken.close();
    }
  }, 60_000);

  it('starts, logs its URL, serves /healthz, ensures its buckets and stops cleanly on SIGTERM', async () => {
    const uploads = randomBucket('up');
    const app = await spawnApp('api', {
      PORT: '0',
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: randomPrefix('main'),
      ...s3rverAppEnv(inject('s3Endpoint')),
      UPLOAD_BUCKET: uploads,
      RESULTS_BUCKET: randomBucket('res'),
      API_KEYS: 'abcdefghijklmnop:t',
    });
    try {
      expect(await app.waitForLine((l) => l.msg === `api listening at ${app.url}`)).toMatchObject({ url: app.url });
      const res = await fetch(`${app.url}/healthz`);
      expect(res.status).toBe(200);
      const ready = await (await fetch(`${app.url}/readyz`)).json();
      expect(ready.checks.s3).toBe('ok'); // the upload bucket exists
    } finally {
      app.kill('SIGTERM');
    }
    expect(await app.exited).toEqual({ code: 0, signal: null });
  });
});
