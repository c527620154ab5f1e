import { defineProject } from 'vitest/config';

// provider.test waits out the stand-ins' real rate-limit backoff: seconds on a loaded machine.
export default defineProject({ test: { name: 'router', testTimeout: 30_000 } });
