import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RULES_FILE, repoPath } from './repo-files.js';

/** promtool comes with Debian's `prometheus` package (.ci/run installs it). */
function promtool(...args: string[]): string {
  const found = spawnSync('promtool', ['--version']);
  if (found.error) throw new Error('promtool not found: install it with `apt-get install prometheus` (Debian) or from prometheus.io');
  try {
    return execFileSync('promtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

describe('Prometheus configuration', () => {
  it('passes promtool check config (with its rule files)', () => {
    expect(promtool('check', 'config', repoPath('infra/prometheus/prometheus.yml'))).toMatch(/SUCCESS/);
  });

  it('passes promtool check rules', () => {
    expect(promtool('check', 'rules', repoPath(RULES_FILE))).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes the alert unit tests (promtool test rules)', () => {
    expect(promtool('test', 'rules', repoPath('infra/prometheus/rules/vadfleet.rules.test.yml'))).toMatch(/SUCCESS/);
  });
});
