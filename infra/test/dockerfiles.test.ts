import { describe, expect, it } from 'vitest';
import { readRepoFile } from './repo-files.js';

interface Stage {
  name: string;
  base: string;
  body: string;
}

/** Splits a Dockerfile into its stages, resolving `ARG NAME=default` used in FROM lines. */
function stagesOf(dockerfile: string): Stage[] {
  const globalArgs = Object.fromEntries([...dockerfile.split(/^FROM /m)[0].matchAll(/^ARG (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  return dockerfile
    .split(/^FROM /m)
    .slice(1)
    .map((chunk) => {
      const [, image, name] = /^(\S+)(?: AS (\S+))?/.exec(chunk)!;
      return { name: name ?? '', base: image.replace(/\$\{(\w+)\}/g, (_, arg: string) => globalArgs[arg] ?? `\${${arg}}`), body: chunk };
    });
}

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  /** Node flags every launcher passes to the app (testkit's spawnApp and scripts/start.mjs read them here). */
  vadfleet?: { nodeFlags?: string[] };
}

/** `apps/worker` → its workspace and every @vadfleet workspace it depends on, dependencies first. */
function workspacesInBuildOrder(workspace: string): string[] {
  const folderOf = (pkg: string) => {
    const short = pkg.replace('@vadfleet/', '');
    return ['api', 'worker'].includes(short) ? `apps/${short}` : `packages/${short}`;
  };
  const order: string[] = [];
  const visit = (folder: string) => {
    if (order.includes(folder)) return;
    const manifest = JSON.parse(readRepoFile(`${folder}/package.json`)) as Manifest;
    for (const dep of Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@vadfleet/'))) visit(folderOf(dep));
    order.push(folder);
  };
  visit(workspace);
  return order;
}

describe.each(['apps/api', 'apps/worker'])('%s/Dockerfile', (workspace) => {
  const dockerfile = readRepoFile(`${workspace}/Dockerfile`);
  const stages = stagesOf(dockerfile);
  const build = stages.find((s) => s.name === 'build')!;
  const runtime = stages.at(-1)!;
  const manifest = JSON.parse(readRepoFile(`${workspace}/package.json`)) as Manifest;
  const packageName = manifest.name;
  const nodeFlags = manifest.vadfleet?.nodeFlags ?? [];
  const workspaces = workspacesInBuildOrder(workspace);

  it('is multi-stage on node:22-slim (Node 20 ended in April 2026)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    for (const stage of stages) expect(stage.base, stage.name).toBe('node:22-slim');
    expect(build).toBeDefined();
    expect(runtime.name).toBe('runtime');
  });

  it('installs all dependencies and builds the workspace and everything it imports, in order', () => {
    // onnxruntime-node's CUDA download skipped for the image's npm, which ignores allowScripts.
    expect(build.body).toMatch(/^RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci\b(?!.*--omit)/m);
    // `npm run build` (not bare tsc): vad-core's build also compiles its WebAssembly kernel.
    const built = /for ws in ([^;]+); do npm run build -w "\$ws"/.exec(build.body)?.[1].trim().split(/\s+/);
    expect(built).toEqual(workspaces);
  });

  it('installs only production dependencies of this workspace in the runtime stage', () => {
    expect(runtime.body).toMatch(new RegExp(`^RUN (ONNXRUNTIME_NODE_INSTALL=skip )?npm ci --omit=dev --workspace=${packageName.replace('/', '\\/')} `, 'm'));
  });

  it('copies each built workspace into the runtime stage and runs the app as a non-root user', () => {
    for (const folder of workspaces) expect(runtime.body, folder).toContain(`COPY --from=build /app/${folder}/dist ${folder}/dist`);
    const user = /^USER (\S+)$/m.exec(runtime.body)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime.body.indexOf('USER ')).toBeLessThan(runtime.body.indexOf('CMD '));
    const cmd = /^CMD (\[.*\])$/m.exec(runtime.body)?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', ...nodeFlags, `${workspace}/dist/main.js`]);
    expect(runtime.body).toMatch(/^HEALTHCHECK /m);
  });

  it("passes the package's node flags in its npm start script too", () => {
    expect(manifest.scripts?.start).toBe(['node', ...nodeFlags, 'dist/main.js'].join(' '));
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, build output, model files and local data out of the build context', () => {
    const ignored = readRepoFile('.dockerignore').split('\n').map((l) => l.trim());
    for (const pattern of ['**/node_modules', '**/dist', 'models', '.data', '.git']) expect(ignored, pattern).toContain(pattern);
  });
});
