// How production runs the compiled API and worker: `node <nodeFlags> dist/main.js`. The flags go
// on the command line because V8 reads them at start-up; set later (v8.setFlagsFromString) they
// are not guaranteed to take effect, nor to be safe, for code already compiled.
//
// --liftoff-only: Prisma 7 runs its query compiler as a 3.4 MB WebAssembly module. V8 compiles it
// with Liftoff, then recompiles its hot functions with TurboFan on background threads, which left
// ~50 MB of compiler memory in malloc arenas for good and took CPU from requests on a small
// machine. Liftoff's code is fast enough for it (measured: API RSS 215 → 145 MB, worker 247 →
// 185 MB after provisioning runs, queries no slower). It affects WebAssembly only.
export const nodeFlags: readonly string[] = ['--liftoff-only'];

/** The compiled entry of an app, relative to the repository root. */
export const compiledEntry = (app: 'api' | 'worker'): string => `apps/${app}/dist/main.js`;
