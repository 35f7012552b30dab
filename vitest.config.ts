import { defineConfig } from 'vitest/config';

// One global setup for the whole run (testkit's, built by `npm test` first): the test data (models,
// recordings: found or fetched, else one message saying where to put them), one S3 server and one
// private Redis, injected as s3Endpoint / redisUrl. Test files share them, so files run one after
// another; each test isolates itself with a random queue prefix and bucket.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'infra'],
    globalSetup: ['@vadfleet/testkit/global-setup'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
