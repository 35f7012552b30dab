import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'speech-export', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
