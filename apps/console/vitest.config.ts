import { defineProject } from 'vitest/config';

// Browser tests start the built apps (apps/*/dist, apps/console/dist) and Debian's /usr/bin/chromium:
// run `npm run build` first.
export default defineProject({
  test: {
    name: 'console',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
