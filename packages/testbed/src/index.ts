import { fileURLToPath } from 'node:url';

export { type CommandResult, TestbedError } from './command.ts';
export {
  type DatabaseImageKind,
  type DatabaseImages,
  databaseImages,
  databaseImageTarball,
} from './database-images.ts';
export { generateKeyPair, type KeyPair } from './keys.ts';
export type { TestbedRegistry } from './registry.ts';
export type { TestImage, TestImages } from './state.ts';
export {
  attachTestbed,
  type CreateTestbedOptions,
  createTestbed,
  downTestbeds,
  findHost,
  listTestbeds,
  type Testbed,
  type TestbedHost,
  type TestbedSummary,
} from './testbed.ts';

/** The k3s stand-in executable for test servers (see k3s-standin/k3s). */
export const k3sStandinPath = fileURLToPath(new URL('../k3s-standin/k3s', import.meta.url));

/**
 * A stand-in for the k3s installer script; serve it with `@K3S_BINARY_URL@` replaced by a URL
 * the test servers can fetch the stand-in binary from.
 */
export const k3sInstallerStandinPath = fileURLToPath(
  new URL('../k3s-standin/install.sh', import.meta.url),
);
export { type GitRepository, type ServeGitOptions, serveGitRepository } from './git.ts';
