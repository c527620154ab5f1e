import { defineProject } from 'vitest/config';

// Real servers, a real registry and real `docker build`s: each build takes seconds, more on a
// busy machine.
export default defineProject({
  test: { name: 'image-build', testTimeout: 180_000, hookTimeout: 180_000 },
});
