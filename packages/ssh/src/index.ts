export {
  CommandError,
  CommandTimeoutError,
  ConnectionLostError,
  fingerprint,
  HostKeyMismatchError,
} from './errors.ts';
export { maskSecrets, quote, secret, sh } from './quote.ts';
export {
  type CommandResult,
  type ConnectOptions,
  connect,
  formatHostKey,
  type RunOptions,
  type SshSession,
} from './session.ts';
export { SshWaitTimeoutError, type WaitOptions, waitForSsh } from './wait.ts';
