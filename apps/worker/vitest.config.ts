import { defineProject } from 'vitest/config';

// Real servers, real Swarm: forming a cluster takes seconds, more on a busy machine.
export default defineProject({
  test: { name: 'worker', testTimeout: 180_000, hookTimeout: 180_000 },
});
