import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'vad-core', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
