import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registerConsole } from './console.js';
import { registerErrorHandling } from './errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'console-dist-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>vadfleet console</title>');
  await writeFile(join(dir, 'assets/index-AbC123.js'), 'console.log(1)');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function appWith(root: string) {
  const app = Fastify();
  registerErrorHandling(app);
  const registered = await registerConsole(app, { root });
  return { app, registered };
}

test('index.html at / is revalidated; hashed assets are immutable', async () => {
  const { app, registered } = await appWith(dir);
  expect(registered).toBe(true);
  const index = await app.inject('/');
  expect(index.statusCode).toBe(200);
  expect(index.headers['content-type']).toMatch(/^text\/html/);
  expect(index.headers['cache-control']).toBe('no-cache');
  expect(index.body).toContain('vadfleet console');
  const asset = await app.inject('/assets/index-AbC123.js');
  expect(asset.statusCode).toBe(200);
  expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  await app.close();
});

test('other paths keep the JSON 404, and a missing build registers nothing', async () => {
  const { app } = await appWith(dir);
  const missing = await app.inject('/assets/gone.js');
  expect(missing.statusCode).toBe(404);
  expect(missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  await app.close();

  const { app: bare, registered } = await appWith(join(dir, 'nowhere'));
  expect(registered).toBe(false);
  expect((await bare.inject('/')).json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  await bare.close();
});
