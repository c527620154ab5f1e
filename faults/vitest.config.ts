import { defineConfig } from 'vitest/config';
// The root config patches Map.groupBy (Node 20 lacks it; vitest's error reporter needs it).
import '../vitest.config.ts';

// The fault suite (`pnpm test:faults`): each scenario starts real API and worker processes,
// a testbed and proxies of its own, so they run one after another.
export default defineConfig({
  test: {
    include: ['*.test.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
