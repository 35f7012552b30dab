import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';

describe('README configuration table', () => {
  it('matches the config schemas (regenerate with `node scripts/config-table.mjs --write`)', () => {
    // The script reads packages/shared/dist: build shared first (`npx tsc -p packages/shared/tsconfig.json`).
    const generated = execFileSync(process.execPath, ['scripts/config-table.mjs'], { cwd: root, encoding: 'utf8' }).trim();
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, `README.md needs a ${START} … ${END} block`).toBeGreaterThanOrEqual(0);
    expect(end, `README.md needs a ${START} … ${END} block`).toBeGreaterThan(start);
    const documented = readme.slice(start + START.length, end).trim();
    expect(documented, 'README.md configuration table is out of date: run `node scripts/config-table.mjs --write` (diff: - README, + schemas)').toBe(generated);
  });

  it('renders every default as a value a reader can type (no stringified objects)', () => {
    const generated = execFileSync(process.execPath, ['scripts/config-table.mjs'], { cwd: root, encoding: 'utf8' });
    expect(generated).not.toMatch(/\[object |undefined|NaN/);
  });
});
