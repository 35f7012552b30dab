import { defineProject } from 'vitest/config';

// End-to-end tests start the built apps (apps/*/dist) as child processes: run `npm run build` first.
export default defineProject({
  test: {
    name: 'worker',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
