// The API process: HTTP server for the typed tRPC client, /api/* for plain HTTP, /health, the
// dashboard, and the outbox dispatcher (see runtime.ts).
// Production runs the bundle, `node --liftoff-only dist/main.js` (`pnpm build`; the flags and why
// they are given on the command line: tooling/build/node-flags.ts).
import { ConfigError, developmentMasterKeyWarning, loadConfig } from '@flotilla/config';
import { createLogger } from '@flotilla/log';
import { NodeNameTakenError } from '@flotilla/queue';
import { startApiRuntime } from './runtime.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
const log = createLogger({ name: 'api', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
if (config.masterKeyIsDevelopmentDefault) log.warn(developmentMasterKeyWarning);

const runtime = await startApiRuntime(config, log).catch((error) => {
  if (!(error instanceof NodeNameTakenError)) throw error;
  console.error(error.message);
  process.exit(1);
});
log.info({ url: runtime.url }, 'api listening');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'api stopping');
  await runtime.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// Started by `pnpm start`, over an IPC channel: when the launcher is gone, however it went (even
// SIGKILL), the channel closes and the API stops instead of running on alone.
process.channel?.unref();
process.once('disconnect', () => void shutdown('launcher exited'));
