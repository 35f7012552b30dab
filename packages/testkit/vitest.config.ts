import { defineProject } from 'vitest/config';

// Real servers and SDK retries with backoff: seconds on a busy machine (projects do not inherit the
// root config's timeouts).
export default defineProject({ test: { name: 'testkit', include: ['src/**/*.test.ts'], testTimeout: 60_000 } });
