// The API process: HTTP server for the typed tRPC client, /api/* for plain HTTP, /health, the
// dashboard, and the outbox dispatcher (see runtime.ts).
import { setFlagsFromString } from 'node:v8';
import { ConfigError, developmentMasterKeyWarning, loadConfig } from '@flotilla/config';
import { createLogger } from '@flotilla/log';
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
// Prisma 7 compiles its query compiler (a 3.4 MB WebAssembly module) on first use, and V8 then
// recompiles its hot functions with TurboFan on background threads: ~50 MB of compiler memory
// left in malloc arenas for good, and CPU taken from requests on a small machine. Liftoff's code
// is enough for it (measured: RSS 215 → 145 MB, and queries no slower). Set before any query.
setFlagsFromString('--liftoff-only');

const log = createLogger({ name: 'api', level: config.LOG_LEVEL });
if (config.masterKeyIsDevelopmentDefault) log.warn(developmentMasterKeyWarning);

const runtime = await startApiRuntime(config, log);
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
