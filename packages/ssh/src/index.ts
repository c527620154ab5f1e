export { ChannelNotOpenedError, ChannelRefusedError } from './connection.ts';
export {
  CommandError,
  CommandTimeoutError,
  ConnectionLostError,
  connectFailure,
  fingerprint,
  HostKeyMismatchError,
  ServerUnreachableError,
} from './errors.ts';
export {
  observeSsh,
  type SshConnectionEvent,
  type SshConnectionOutcome,
  type SshObserver,
} from './observer.ts';
export { createSshPool, type SshPool, type SshPoolOptions, type SshPoolStats } from './pool.ts';
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
