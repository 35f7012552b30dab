import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'batches',
    include: ['src/**/*.test.ts'],
    // The shared Redis (and one s3rver per run), injected as redisUrl / s3Endpoint.
    globalSetup: ['@vadfleet/testkit/global-setup'],
  },
});
