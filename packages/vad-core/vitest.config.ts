import { defineProject } from 'vitest/config';

// test/ runs against the built dist: the inference threads load compiled JavaScript.
export default defineProject({ test: { name: 'vad-core', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
