import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'vad-postprocess', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
