import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'api',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One s3rver per run (and the shared Redis), injected as s3Endpoint / redisUrl.
    globalSetup: ['@vadfleet/testkit/global-setup'],
    // spawnApp waits up to 60 s for a readiness line; projects do not inherit the root config's timeouts.
    hookTimeout: 60_000,
  },
});
