import { defineProject } from 'vitest/config';

// The Prometheus end-to-end test queries a real server on a busy machine: seconds per test (projects do
// not inherit the root config's timeouts).
export default defineProject({ test: { name: 'infra', include: ['test/**/*.test.ts'], testTimeout: 60_000 } });
