// What app jobs write for people to read: a line per step (`app.plan`, `app.apply`,
// `app.converge`, …) on the app's cluster log, streamed live like provisioning's, and a build's
// output line by line in its BuildLog, written in small batches as it arrives.
import type { LogLevel } from '@flotilla/db';
import { errorMessage } from '@flotilla/errors';
import { appendLog } from '@flotilla/lifecycle';
import type { Engine } from '../engine.ts';

export interface AppRef {
  id: string;
  name: string;
  clusterId: string;
}

/** One line on the app's cluster log, naming the app (and the deployment, when there is one). */
export async function appLog(
  engine: Engine,
  app: AppRef,
  step: string,
  message: string,
  level: LogLevel = 'info',
  deploymentOrdinal?: number,
): Promise<void> {
  const who = deploymentOrdinal ? `${app.name} #${deploymentOrdinal}` : app.name;
  await appendLog(engine.db, {
    clusterId: app.clusterId,
    step,
    level,
    message: `${who}: ${message}`,
  })
    // A log line that cannot be written never fails the work it describes.
    .catch((error) => engine.log.warn({ appId: app.id, step, err: error }, 'app log line lost'));
}

/**
 * Runs `fn` as the step `name`: a line when it finishes, with what it did and how long it took,
 * or when it fails, with why (the failure is thrown on).
 */
export async function appStep<T>(
  engine: Engine,
  app: AppRef,
  name: string,
  fn: () => Promise<T>,
  describe: (result: T) => string,
  deploymentOrdinal?: number,
): Promise<T> {
  const started = Date.now();
  try {
    const result = await fn();
    await appLog(
      engine,
      app,
      name,
      `${describe(result)} (${Date.now() - started} ms)`,
      'info',
      deploymentOrdinal,
    );
    return result;
  } catch (error) {
    await appLog(
      engine,
      app,
      name,
      `failed after ${Date.now() - started} ms: ${errorMessage(error)}`,
      'error',
      deploymentOrdinal,
    );
    throw error;
  }
}

export interface BuildLogWriter {
  line(message: string, level?: LogLevel): void;
  /** Writes what is buffered; resolves once it is stored. */
  flush(): Promise<void>;
}

/** Buffers lines and stores them every `intervalMs` (or sooner, past `batch` lines). */
export function buildLogWriter(
  engine: Engine,
  buildId: string,
  { intervalMs = 200, batch = 200 } = {},
): BuildLogWriter {
  let pending: { buildId: string; message: string; level: LogLevel }[] = [];
  let writing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const write = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const rows = pending;
    pending = [];
    if (rows.length === 0) return writing;
    // One batch after another, so the lines keep their order (ids increase).
    writing = writing.then(() =>
      engine.db.buildLog
        .createMany({ data: rows })
        .then(() => undefined)
        .catch((error) =>
          engine.log.warn({ buildId, lines: rows.length, err: error }, 'build log lines lost'),
        ),
    );
    return writing;
  };
  return {
    line(message, level = 'info') {
      // Postgres text holds no NUL; a line of megabytes is a bug in the build, not a log.
      pending.push({ buildId, level, message: message.replaceAll('\u0000', '').slice(0, 8_000) });
      if (pending.length >= batch) void write();
      else timer ??= setTimeout(() => void write(), intervalMs);
    },
    flush: () => write(),
  };
}
