import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** The repository root (this file is packages/testkit/dist/spawn-app.js). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface AppProcess {
  /** From the app's readiness log line, e.g. http://127.0.0.1:40123 (API) or the worker's metrics URL. */
  url: string;
  pid: number;
  /** Every stdout line so far, parsed when it is JSON (pino), else as `{ raw }`. */
  lines: Record<string, unknown>[];
  /** Resolves with the first line (past or future) matching `predicate`. */
  waitForLine(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnAppOptions {
  /** How long to wait for the readiness line. Default 60 s (the worker loads the model first). */
  readyTimeoutMs?: number;
  /** Copy the app's stdout to this process's stderr (debugging). */
  echo?: boolean;
  /** Node flags instead of the app's own (`vadfleet.nodeFlags`), e.g. [] to measure without them. */
  nodeFlags?: string[];
}

/**
 * Node flags every launcher passes (npm start reads the same fields): `vadfleet.nodeFlags` in an app's
 * package.json, `vadfleet.s3rverNodeFlags` in the root one for the embedded S3 server.
 */
export function manifestNodeFlags(manifest: string, field: 'nodeFlags' | 's3rverNodeFlags'): string[] {
  const parsed = JSON.parse(readFileSync(`${repoRoot}${manifest}`, 'utf8')) as { vadfleet?: Record<string, string[] | undefined> };
  return parsed.vadfleet?.[field] ?? [];
}

/** Both apps log one line `"... listening at http://host:port"` when they accept work. */
const READY = /listening at (https?:\/\/\S+)/;

/**
 * Starts `node apps/<name>/dist/main.js` with exactly `env` (plus PATH and HOME) and waits for its
 * readiness line. The environment is not inherited, so a developer's shell settings cannot leak in.
 */
export async function spawnApp(name: 'api' | 'worker', env: Record<string, string>, options: SpawnAppOptions = {}): Promise<AppProcess> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? manifestNodeFlags(`apps/${name}/package.json`, 'nodeFlags')), `apps/${name}/dist/main.js`], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<{ predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  createInterface({ input: child.stdout! }).on('line', (text) => {
    if (options.echo) process.stderr.write(`[${name}] ${text}\n`);
    let line: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      line = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { raw: text };
    } catch {
      line = { raw: text };
    }
    lines.push(line);
    for (const waiter of waiters) {
      if (waiter.predicate(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });

  const waitForLine = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = lines.find(predicate);
      if (seen) return resolve(seen);
      const waiter = {
        predicate,
        resolve: (line: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`${name}: no matching log line within ${timeoutMs} ms; last lines:\n${lines.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`));
      }, timeoutMs);
      waiters.add(waiter);
      void exited.then(({ code, signal }) => {
        if (!waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`${name} exited (code ${code}, signal ${signal}) before the expected log line; last lines:\n${lines.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`));
      });
    });

  let ready: Record<string, unknown>;
  try {
    ready = await waitForLine((line) => typeof line.msg === 'string' && READY.test(line.msg), options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url: READY.exec(ready.msg as string)![1],
    pid: child.pid!,
    lines,
    waitForLine,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => void child.kill(signal),
    exited,
  };
}
