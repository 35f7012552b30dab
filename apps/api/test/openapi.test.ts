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

  it('serves the interactive docs', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });
});
