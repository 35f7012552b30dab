/**
 * Managed-Redis shapes as real redis-server processes for tests: a TLS server with a certificate
 * signed by a CA the test generates, a primary + replica + sentinel group that can be failed over, and
 * a three-master Redis Cluster. Each is owned by one test and removed on stop.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { pingRedis } from './redis-server.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Flags every test server gets: no snapshots, and the eviction policy the apps require. */
const BASE_FLAGS = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port whose neighbour 10000 above is free too: a cluster node also listens on its bus port
 * (port + 10000), so ephemeral ports near 65535 would not do.
 */
export async function freeClusterPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) return port;
  }
  throw new Error('no free port pair for a cluster node');
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    if (await portIsFree(port)) return port;
  }
}

interface ServerProcess {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** One `redis-server` with `args`; `probe` says when it answers. */
async function startServer(port: number, args: string[], probe: () => Promise<boolean>): Promise<ServerProcess> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitUntil(`redis-server on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited with ${child.exitCode}`);
    return probe();
  });
  return {
    port,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

const plainPing = (port: number) => () => pingRedis({ host: '127.0.0.1', port });

export interface TlsRedis {
  /** `rediss://localhost:<port>` (the certificate names localhost and 127.0.0.1). */
  url: string;
  /** PEM of the CA that signed the server's certificate (REDIS_TLS_CA_FILE). */
  caFile: string;
  stop(): Promise<void>;
}

/**
 * A redis-server accepting only TLS, with a CA and server certificate made by `openssl` for this test.
 * Needs a redis-server built with TLS (Debian's is: `--tls-port`).
 */
export async function startTlsRedis(): Promise<TlsRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'vadfleet-redis-tls-'));
  const f = (name: string) => join(dir, name);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=vadfleet test CA', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr')]);
  await writeFile(f('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f('san.ext'), '-out', f('server.pem')]);
  const port = await freePort();
  const server = await startServer(
    port,
    ['--port', '0', '--tls-port', String(port), '--tls-cert-file', f('server.pem'), '--tls-key-file', f('server.key'), '--tls-ca-cert-file', f('ca.pem'), '--tls-auth-clients', 'no', '--dir', dir, ...BASE_FLAGS],
    // Readiness only: whether clients verify the certificate is what the tests check.
    () => pingRedis({ host: 'localhost', port, tls: { rejectUnauthorized: false } }),
  );
  return {
    url: `rediss://localhost:${port}`,
    caFile: f('ca.pem'),
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SentinelGroup {
  /** REDIS_SENTINELS. */
  sentinels: string;
  master: string;
  /** Port of the current primary, as the sentinel reports it. */
  primaryPort(): Promise<number>;
  /**
   * A managed service's planned failover: pauses writes on the primary, waits until the replica has
   * every write, then SENTINEL FAILOVER, and waits until the sentinel names the other server and it is
   * a primary. Without the pause, writes that reach the old primary between the replica's promotion
   * and its own demotion are lost (replication is asynchronous).
   */
  failover(): Promise<void>;
  stop(): Promise<void>;
}

/** A primary, one replica and one sentinel (quorum 1) monitoring them as "vadfleet". */
export async function startSentinelGroup(master = 'vadfleet'): Promise<SentinelGroup> {
  const dir = await mkdtemp(join(tmpdir(), 'vadfleet-sentinel-'));
  const [p1, p2, ps] = [await freePort(), await freePort(), await freePort()];
  const servers: ServerProcess[] = [];
  const sentinel = new Redis({ host: '127.0.0.1', port: ps, lazyConnect: true, maxRetriesPerRequest: 1 });
  sentinel.on('error', () => {});
  try {
    servers.push(await startServer(p1, ['--port', String(p1), '--dir', dir, '--dbfilename', 'p1.rdb', ...BASE_FLAGS], plainPing(p1)));
    servers.push(await startServer(p2, ['--port', String(p2), '--dir', dir, '--dbfilename', 'p2.rdb', '--replicaof', '127.0.0.1', String(p1), ...BASE_FLAGS], plainPing(p2)));
    // Sentinel rewrites its config file, so it gets a file of its own.
    const conf = join(dir, 'sentinel.conf');
    await writeFile(
      conf,
      [`port ${ps}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${master} 127.0.0.1 ${p1} 1`, `sentinel down-after-milliseconds ${master} 1000`, `sentinel failover-timeout ${master} 10000`, ''].join('\n'),
    );
    servers.push(await startServer(ps, [conf, '--sentinel'], plainPing(ps)));
  } catch (err) {
    for (const s of servers) await s.stop();
    throw err;
  }
  const primaryPort = async () => Number(((await sentinel.call('SENTINEL', 'get-master-addr-by-name', master)) as string[])[1]);
  // A failover needs a replica the sentinel has seen in sync (it learns of it from the primary's INFO).
  await waitUntil('sentinel sees an in-sync replica', async () => {
    const replicas = (await sentinel.call('SENTINEL', 'replicas', master)) as string[][];
    return replicas.some((fields) => {
      const info = Object.fromEntries(fields.flatMap((v, i) => (i % 2 === 0 ? [[v, fields[i + 1]]] : [])));
      return info['master-link-status'] === 'ok' && !String(info.flags).includes('down');
    });
  }, 30_000);
  return {
    sentinels: `127.0.0.1:${ps}`,
    master,
    primaryPort,
    async failover() {
      const before = await primaryPort();
      const [primary, replica] = [before, before === p1 ? p2 : p1].map((port) => new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 }));
      const offset = async (redis: Redis, field: string) => Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(await redis.info('replication'))?.[1]);
      try {
        await primary.call('CLIENT', 'PAUSE', '15000', 'WRITE');
        const target = await offset(primary, 'master_repl_offset');
        await waitUntil('replica caught up', async () => (await offset(replica, 'slave_repl_offset')) >= target);
        await sentinel.call('SENTINEL', 'failover', master);
      } finally {
        replica.disconnect();
      }
      await waitUntil('failover', async () => {
        const now = await primaryPort();
        if (now === before) return false;
        const probe = new Redis({ host: '127.0.0.1', port: now, lazyConnect: true, maxRetriesPerRequest: 0 });
        probe.on('error', () => {});
        try {
          await probe.connect();
          return ((await probe.role()) as unknown[])[0] === 'master';
        } finally {
          probe.disconnect();
        }
      }, 30_000);
      // The old primary is a replica now: its paused clients were sent away by the sentinel.
      await primary.call('CLIENT', 'UNPAUSE').finally(() => primary.disconnect());
    },
    async stop() {
      sentinel.disconnect();
      for (const s of servers.reverse()) await s.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface LocalCluster {
  ports: number[];
  /** The port of the master that owns `key`'s slot. */
  ownerOf(key: string): Promise<number>;
  stop(): Promise<void>;
}

/** Three masters (no replicas) joined with `redis-cli --cluster create`, every slot covered. */
export async function startCluster(size = 3): Promise<LocalCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'vadfleet-cluster-'));
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const port = await freeClusterPort();
      servers.push(
        await startServer(
          port,
          ['--port', String(port), '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000', '--dir', dir, '--dbfilename', `${port}.rdb`, ...BASE_FLAGS],
          plainPing(port),
        ),
      );
    }
    await run('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const s of servers) {
      await waitUntil(`cluster state ok on ${s.port}`, async () => {
        const probe = new Redis({ host: '127.0.0.1', port: s.port, lazyConnect: true, maxRetriesPerRequest: 0 });
        probe.on('error', () => {});
        try {
          await probe.connect();
          return /cluster_state:ok/.test((await probe.call('CLUSTER', 'INFO')) as string);
        } finally {
          probe.disconnect();
        }
      });
    }
  } catch (err) {
    for (const s of servers) await s.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ports: servers.map((s) => s.port),
    async ownerOf(key) {
      const probe = new Redis({ host: '127.0.0.1', port: servers[0].port, maxRetriesPerRequest: 0 });
      try {
        const slot = Number(await probe.call('CLUSTER', 'KEYSLOT', key));
        const ranges = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
        const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
        if (!owner) throw new Error(`no node owns slot ${slot}`);
        return Number(owner[2][1]);
      } finally {
        probe.disconnect();
      }
    },
    async stop() {
      for (const s of servers) await s.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
