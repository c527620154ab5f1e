import { defineProject } from 'vitest/config';

// The tests start their own redis-server processes (password, TLS) next to the shared one.
export default defineProject({ test: { name: 'redis', testTimeout: 60_000, hookTimeout: 60_000 } });
