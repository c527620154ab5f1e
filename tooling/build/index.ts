export { type Bundle, bundleApp, UndeclaredDependencyError, writeBundle } from './bundle.ts';
export { compiledEntry, nodeFlags } from './node-flags.ts';
