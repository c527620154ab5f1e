import { defineProject } from 'vitest/config';

// The browser tests live in e2e/ (they need the API and the worker); here: Vite's dev server.
export default defineProject({
  test: {
    name: 'web',
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
