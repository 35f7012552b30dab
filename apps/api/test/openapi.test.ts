import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

describe('OpenAPI document and docs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('matches the golden document (update deliberately with `vitest -u`)', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.paths['/v1/jobs'].post.requestBody.content).toHaveProperty(['multipart/form-data']);
    expect(doc.paths['/v1/jobs'].post.requestBody.content).toHaveProperty(['application/json']);
    await expect(JSON.stringify(doc, null, 2) + '\n').toMatchFileSnapshot('__snapshots__/openapi.json');
  });

  it("passes redocly lint's recommended rules (servers, an operationId per operation, 2xx and 4xx responses, no unused components)", async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    const doc = res.json();
    for (const [path, operations] of Object.entries<Record<string, { operationId?: string }>>(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) expect(operation.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
    }
    // The golden document (checked equal to the served one above), linted where .redocly.lint-ignore.yaml
    // names its deliberate exceptions.
    const here = fileURLToPath(new URL('.', import.meta.url));
    const redocly = fileURLToPath(new URL('../../../node_modules/.bin/redocly', import.meta.url));
    const lint = await promisify(execFile)(redocly, ['lint', '__snapshots__/openapi.json', '--config', 'redocly.yaml', '--format', 'json'], { cwd: here, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } }).catch((err: { stdout: string; stderr: string }) => err);
    const report = JSON.parse(lint.stdout.slice(lint.stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it('serves the interactive docs', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });
});
