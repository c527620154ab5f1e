import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'web',
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // Browser tests build the bundle and drive Chromium against a real API server.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
