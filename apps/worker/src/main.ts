// The worker process. SIGTERM/SIGINT: running jobs finish, then it exits; a second signal exits
// at once (the jobs' locks lapse and another worker resumes them).
// Production runs the bundle, `node --liftoff-only dist/main.js` (`pnpm build`; the flags and why
// they are given on the command line: tooling/build/node-flags.ts).
import { ConfigError, loadConfig } from '@flotilla/config';
import { createLogger } from '@flotilla/log';
import { type MetricsServer, startMetricsServer } from '@flotilla/metrics';
import { NodeNameTakenError } from '@flotilla/queue';
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
const log = createLogger({ name: 'worker', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
const worker = await startWorker({
  config,
  log,
  // Another worker took this node's name: the node's jobs are that one's now.
  onNodeLost: () => void worker.close(true).finally(() => process.exit(1)),
}).catch((error) => {
  if (!(error instanceof NodeNameTakenError)) throw error;
  console.error(error.message);
  process.exit(1);
});

// /metrics on a listener of its own (loopback unless WORKER_METRICS_HOST opens it).
let metricsServer: MetricsServer | undefined;
try {
  metricsServer = await startMetricsServer({
    registry: worker.metrics.registry,
    host: config.WORKER_METRICS_HOST,
    port: config.WORKER_METRICS_PORT,
    token: config.METRICS_TOKEN,
    onError: (error) => log.warn({ err: error }, 'metrics not served'),
  });
  log.info({ url: metricsServer.url }, 'worker metrics listening');
} catch (error) {
  const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  console.error(
    taken
      ? `WORKER_METRICS_PORT: ${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT} is in use ` +
          '(another worker on this host?): give each worker a port of its own, or 0 for any free one'
      : `worker metrics cannot listen on ${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}: ${error}`,
  );
  await worker.close();
  process.exit(1);
}

let stopping = false;
function shutdown(signal: string) {
  if (stopping) {
    log.warn({ signal }, 'second signal: exiting now; running jobs resume on another worker');
    process.exit(1);
  }
  stopping = true;
  log.info({ signal }, 'worker stopping: letting running jobs finish');
  Promise.all([worker.close(), metricsServer?.close()]).then(
    () => process.exit(0),
    (error) => {
      log.error({ err: error }, 'worker did not stop cleanly');
      process.exit(1);
    },
  );
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
// Started by `pnpm start`, over an IPC channel: when the launcher is gone, however it went (even
// SIGKILL), the channel closes and the worker stops instead of running on alone.
process.channel?.unref();
process.once('disconnect', () => shutdown('launcher exited'));
