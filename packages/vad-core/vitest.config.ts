import { defineProject } from 'vitest/config';

// test/ runs against the built dist: the inference threads load compiled JavaScript. Decoders, the model
// and CLI processes take seconds on a busy machine (projects do not inherit the root config's timeouts).
export default defineProject({ test: { name: 'vad-core', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 60_000 } });
