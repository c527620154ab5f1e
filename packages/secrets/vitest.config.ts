import { defineProject } from 'vitest/config';

// Rotation tests make a database and run the script as a child process (tsx start-up: seconds).
export default defineProject({
  test: { name: 'secrets', testTimeout: 60_000, hookTimeout: 60_000 },
});
