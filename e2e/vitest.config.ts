import { defineProject } from 'vitest/config';

// The dashboard in headless Chromium against the API (and worker) processes; see harness.ts.
export default defineProject({
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['*.test.ts'],
    // Builds apps/web/dist once when it is missing or older than its sources.
    globalSetup: ['./setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
