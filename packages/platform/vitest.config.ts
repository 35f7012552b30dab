import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'platform',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One s3rver per run (and the shared Redis), injected as s3Endpoint / redisUrl.
    globalSetup: ['@vadfleet/testkit/global-setup'],
  },
});
