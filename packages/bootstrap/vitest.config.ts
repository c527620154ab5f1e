import { defineProject } from 'vitest/config';

// Real servers: starting them and forming clusters takes seconds, more on a busy machine.
export default defineProject({
  test: { name: 'bootstrap', testTimeout: 120_000, hookTimeout: 120_000 },
});
