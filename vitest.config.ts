import { defineConfig } from 'vitest/config';

// One config for the whole repository; each workspace package is a project, and `start` holds
// the tests of `pnpm start` itself (scripts/).
export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      'e2e',
      {
        test: {
          name: 'start',
          include: ['scripts/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // After every other project, alone: `pnpm start` rebuilds dist/ and the dashboard,
          // which tests running meanwhile would be serving or starting from.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
