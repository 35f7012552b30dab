import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort } from './free-port.js';

/** True when a Redis answers PONG at `target` (a URL, or ioredis options: TLS, a sentinel); one attempt. */
export async function pingRedis(target: string | RedisOptions): Promise<boolean> {
  const once = { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false };
  const redis = typeof target === 'string' ? new Redis(target, once) : new Redis({ ...target, ...once });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function waitForPing(url: string, what: string, child?: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await pingRedis(url)) return;
    if (child && child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not answer PING at ${url} (is it installed? apt-get install redis-server)`);
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops the server gracefully (SIGTERM: the append-only file is flushed). */
  stop(): Promise<void>;
  /** Stops and starts the server again on the same port and data directory. */
  restart(): Promise<void>;
}

/**
 * A redis-server of our own: free port, own data directory, `noeviction` (BullMQ's requirement), removed
 * with everything in it on stop. `durable` (default) adds `appendonly yes` with fsync on every write, so
 * a restart keeps every acknowledged write; the test run's server (global-setup) keeps nothing on disk.
 */
export async function startPrivateRedis(options: { durable?: boolean } = {}): Promise<PrivateRedis> {
  const persistence = options.durable === false ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always'];
  const dir = await mkdtemp(join(tmpdir(), 'vadfleet-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...persistence, '--save', '', '--maxmemory-policy', 'noeviction'],
      { stdio: 'ignore' },
    );
    await waitForPing(url, 'private redis-server', child);
  };
  const halt = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    url,
    port,
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await halt();
      await start();
    },
  };
}
