import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * apps/console/dist, found relative to this file (apps/api/{src,dist}/plugins/), so it works from the
 * repository and from an image that keeps the apps/ layout, without the API depending on the console.
 */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the built web console at `/`: Vite's content-hashed files under /assets/ are cached for a year,
 * index.html is revalidated on every load so a deploy shows up at once. Routes are created for the files
 * present at start (no wildcard), so every other path keeps the API's JSON 404. Without a build (the
 * console is optional) nothing is registered and `false` is returned.
 */
export async function registerConsole(app: FastifyInstance, options: { root?: string } = {}): Promise<boolean> {
  const root = options.root ?? DEFAULT_CONSOLE_DIR;
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'web console not built; / is not served (npm run build -w @vadfleet/console)');
    return false;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('cache-control', relative(root, path).startsWith('assets/') ? IMMUTABLE : 'no-cache');
    },
  });
  return true;
}
