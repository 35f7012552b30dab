import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

const SHARED_URL = 'redis://127.0.0.1:6379';

async function ping(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
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
    if (await ping(url)) return;
    if (child && child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not answer PING at ${url}`);
}

/**
 * The shared test Redis at 127.0.0.1:6379: PINGs it and starts `redis-server` there (daemonized,
 * no persistence) when it is down. Tests isolate themselves with random key prefixes.
 */
export async function ensureRedis(): Promise<string> {
  if (await ping(SHARED_URL)) return SHARED_URL;
  const child = spawn('redis-server', ['--port', '6379', '--save', '', '--appendonly', 'no', '--daemonize', 'yes'], { stdio: 'inherit' });
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start redis-server (is it installed? apt-get install redis-server): ${err.message}`)));
    child.once('exit', () => resolve());
  });
  await waitForPing(SHARED_URL, 'redis-server');
  return SHARED_URL;
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
 * A redis-server owned by one test: free port, own data directory, `appendonly yes` (so a restart keeps
 * every acknowledged write) and `noeviction` (BullMQ's requirement). Removed on stop.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'vadfleet-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'],
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
