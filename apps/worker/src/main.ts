// The worker process. SIGTERM/SIGINT: running jobs finish, then it exits; a second signal exits
// at once (the jobs' locks lapse and another worker resumes them).
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig } from '@flotilla/config';
import { createLogger } from '@flotilla/log';
import { startWorker } from './worker.ts';

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
// Prisma's WASM query compiler tiered up to TurboFan left ~50 MB in malloc arenas for good;
// Liftoff's code is enough (measured with a 1- and a 5-node provisioning in-process: RSS
// 247 → 185 MB). Set before any query, as in apps/api.
setFlagsFromString('--liftoff-only');

const log = createLogger({ name: 'worker', level: config.LOG_LEVEL });
const worker = await startWorker({ config, log });

let stopping = false;
function shutdown(signal: string) {
  if (stopping) {
    log.warn({ signal }, 'second signal: exiting now; running jobs resume on another worker');
    process.exit(1);
  }
  stopping = true;
  log.info({ signal }, 'worker stopping: letting running jobs finish');
  worker.close().then(
    () => process.exit(0),
    (error) => {
      log.error({ err: error }, 'worker did not stop cleanly');
      process.exit(1);
    },
  );
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
