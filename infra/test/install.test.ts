/**
 * The install and CI recipe: what `npm ci` installs runs on every supported Node.js, npm reads no
 * setting it does not know, onnxruntime-node downloads nothing at install time, and `.ci/run` touches
 * only what it started.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { readRepoFile, repoRoot } from './repo-files.js';

/** The oldest Node.js 20 and 22 the root package.json admits (engines). */
const SUPPORTED = ['20.19.0', '22.13.0'];

describe('installed packages', () => {
  const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };

  it('the root package.json admits exactly those lines', () => {
    const { engines } = JSON.parse(readRepoFile('package.json')) as { engines: { node: string } };
    for (const v of SUPPORTED) expect(semver.satisfies(v, engines.node), v).toBe(true);
    expect(semver.satisfies('21.7.0', engines.node)).toBe(false);
  });

  it(`every package in the lockfile admits Node.js ${SUPPORTED.join(' and ')} (no EBADENGINE warning on either)`, () => {
    const refused = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const range = !entry.engines || Array.isArray(entry.engines) ? undefined : entry.engines.node;
      if (!path || !range) return [];
      return SUPPORTED.filter((v) => !semver.satisfies(v, range)).map((v) => `${path}@${entry.version} wants node ${range}, not ${v}`);
    });
    expect(refused).toEqual([]);
  });

  it('npm warns about no project setting (onnxruntime-node-install is not an npm config)', async () => {
    const { stderr } = await promisify(execFile)('npm', ['pkg', 'get', 'name'], { cwd: repoRoot });
    expect(stderr).toBe('');
  });

  it("denies onnxruntime-node's install script, which only downloads the CUDA provider", () => {
    const manifest = JSON.parse(readRepoFile('package.json')) as { allowScripts: Record<string, boolean> };
    expect(manifest.allowScripts['onnxruntime-node']).toBe(false);
    expect(readRepoFile('README.md')).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install');
  });
});

describe('.ci/run', () => {
  const script = readRepoFile('.ci/run');
  const commands = script.split('\n').filter((line) => !line.trimStart().startsWith('#'));

  it('stops no process by name (a user may run their own Prometheus or Redis)', () => {
    expect(commands.filter((line) => /\b(pkill|killall)\b/.test(line))).toEqual([]);
  });

  it('leaves finding the test data to the tests (no forced VAD_MODEL_DIR)', () => {
    expect(commands.filter((line) => line.includes('VAD_MODEL_DIR'))).toEqual([]);
  });

  it('installs Node.js 22 from the npm registry and runs the suite on it, and runs tests on the default Node.js too', () => {
    expect(script).toMatch(/npm install --prefix "\$NODE22_DIR" .*node@22/);
    expect(script).toMatch(/^PATH="\$\(dirname "\$node22"\):\$PATH" npm test$/m);
    expect(script).toMatch(/^npx vitest run /m);
  });
});
