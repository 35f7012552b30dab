import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath, repoRoot } from './repo-files.js';

/** Every live descendant of `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of parentOf) if (ppid === parent) found.push(child), visit(child);
  };
  visit(pid);
  return found;
}

/** Alive and not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe.skipIf(process.platform !== 'linux')('npm start (scripts/start.mjs)', () => {
  it('leaves no redis-server, s3rver or app behind when its process group gets SIGTERM and then SIGKILL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vadfleet-start-'));
    const launcher = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: repoRoot,
      // Its own process group, as under a supervisor; nothing configured, so it starts Redis and S3 itself.
      detached: true,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        VAD_MODEL_DIR: process.env.VAD_MODEL_DIR ?? repoPath('../shared/models/fsmn-vad'),
        VADFLEET_DATA_DIR: dataDir,
        PORT: '0',
        METRICS_PORT: '0',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    launcher.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => launcher.once('exit', resolve));
    let children: number[] = [];
    try {
      await expect.poll(() => stderr, { timeout: 90_000, interval: 200 }).toContain('Ctrl-C stops everything.');
      // What a batch over the embedded store needs: its endpoint, account and the caller's own prefix.
      expect(stderr).toMatch(/S3 \(embedded\) +http:\/\/127\.0\.0\.1:\d+ +access key S3RVER, secret S3RVER/);
      expect(stderr).toMatch(/Your S3 prefix +s3:\/\/vadfleet-uploads\/default\//);
      expect(stderr).toContain('tenant "default"');
      children = descendants(launcher.pid!);
      const commands = children.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      for (const name of ['redis-server', 's3rver', 'apps/api/dist/main.js', 'apps/worker/dist/main.js']) expect(commands.join('\n')).toContain(name);
      // As supervisors and CI stop a service: SIGTERM to the group, SIGKILL soon after, here as soon as
      // the script has begun stopping its children (it cannot finish).
      process.kill(-launcher.pid!, 'SIGTERM');
      await expect.poll(() => stderr, { timeout: 10_000, interval: 20 }).toContain('stopping ...');
      process.kill(-launcher.pid!, 'SIGKILL');
      await exited;
      await expect.poll(() => children.filter(alive), { timeout: 30_000, interval: 200 }).toEqual([]);
    } finally {
      for (const pid of [launcher.pid!, ...children]) if (alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);
});
