import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'api',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // spawnApp waits up to 60 s for a readiness line; projects do not inherit the root config's timeouts.
    hookTimeout: 60_000,
    testTimeout: 60_000,
  },
});
