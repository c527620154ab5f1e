import { defineConfig } from 'vitest/config';

// One config for the whole repository; each workspace package is a project.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
