import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonLine } from './read-json-line.js';
import { manifestNodeFlags } from './spawn-app.js';

export interface S3Server {
  /** e.g. http://127.0.0.1:40123 — use with forcePathStyle. */
  endpoint: string;
  port: number;
  /** s3rver knows exactly one account; the secret is not checked. */
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  stop(): Promise<void>;
}

// Resolved through dist/ so it also works when this file runs from src/ under vitest.
const childScript = fileURLToPath(new URL('../dist/s3-server-child.js', import.meta.url));

/**
 * Starts s3rver in a child process on 127.0.0.1 (port 0 unless given). Without `dir` it stores objects
 * in a fresh temporary directory removed on stop. `nodeFlags` replaces the root package.json's
 * `vadfleet.s3rverNodeFlags` (a benchmark measuring without them must keep `--openssl-legacy-provider`).
 */
export async function startS3Server(options: { dir?: string; port?: number; nodeFlags?: string[] } = {}): Promise<S3Server> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'vadfleet-s3-')));
  const child = spawn(process.execPath, [...(options.nodeFlags ?? manifestNodeFlags('package.json', 's3rverNodeFlags')), childScript, dir, String(options.port ?? 0)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let port: number;
  try {
    ({ port } = await readJsonLine<{ port: number }>(child, 'port', 'S3 server (s3rver)'));
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  child.stdout?.resume();
  child.unref();
  child.channel?.unref();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // Unreferenced while it serves; waiting for its exit must keep a script's event loop alive.
        child.ref();
        child.kill('SIGTERM');
        await exited;
      }
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The apps' S3 settings for an s3rver at `endpoint` (its one account, path-style addressing). */
export function s3rverAppEnv(endpoint: string): Record<string, string> {
  return { S3_ENDPOINT: endpoint, S3_REGION: 'us-east-1', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_FORCE_PATH_STYLE: 'true' };
}

/** Client settings (for platform's createS3Client) for an s3rver at `endpoint`. */
export function s3rverClientConfig(endpoint: string) {
  return { endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true };
}
