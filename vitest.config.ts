import { defineConfig } from 'vitest/config';

// Test files share one Redis and one S3 server (started in each project's globalSetup), so files run
// one after another; each test isolates itself with a random queue prefix and bucket.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'infra'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
