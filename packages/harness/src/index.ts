// Runs the real control plane (API and worker processes) for benchmarks and fault tests, and
// puts a cuttable TCP proxy between it and Postgres or Redis.
export * from './compiled.ts';
export * from './control-plane.ts';
export * from './processes.ts';
export * from './proxy.ts';
