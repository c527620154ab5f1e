import { defineProject } from 'vitest/config';

// The end-to-end test starts real testbed servers: seconds each, more on a busy machine.
export default defineProject({
  test: { name: 'providers', testTimeout: 120_000, hookTimeout: 120_000 },
});
