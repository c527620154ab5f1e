import { defineProject } from 'vitest/config';

// Real servers and a real Swarm: deploys take seconds, more on a busy machine.
export default defineProject({
  test: { name: 'docker', testTimeout: 180_000, hookTimeout: 180_000 },
});
