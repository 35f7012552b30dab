import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'qa-analytics', include: ['src/**/*.test.ts'] } });
