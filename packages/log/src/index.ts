import { type DestinationStream, type Logger, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

// Fields that may carry a secret are never written, whatever object they are nested in.
export const redactedPaths = [
  'password',
  'privateKey',
  'token',
  'secret',
  'apiToken',
  'accessKeyId',
  'secretAccessKey',
  'kubeconfig',
  'joinToken',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.privateKey',
  '*.token',
  '*.secret',
  '*.secretAccessKey',
  '*.kubeconfig',
  '*.joinToken',
];

export type LogFormat = 'json' | 'pretty';

export interface LogOptions {
  /** The process or component (`api`, `worker`), on every line. */
  name: string;
  level?: string;
  /** Default: `pretty` when stdout is a terminal, else `json` (files, pipes, log collectors). */
  format?: LogFormat;
  /** Default: stdout. */
  destination?: DestinationStream;
}

export function createLogger({ name, level = 'info', format, destination }: LogOptions): Logger {
  const pretty = (format ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
  return pino(
    {
      name,
      level,
      // Redaction happens before any formatting: the pretty lines never see a secret either.
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    pretty ? prettyStream(destination) : destination,
  );
}

// API and worker lines interleave on one terminal: each has its own colour for its name, apart
// from the level colours (green, yellow, red) and the message's (cyan).
const nameColours: Record<string, 'blueBright' | 'magentaBright'> = {
  api: 'blueBright',
  worker: 'magentaBright',
};

/** One line per event, `[12:00:01.234] INFO (api): api listening {"url":"…"}`, coloured on a terminal. */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  return PinoPretty({
    ...(destination ? { destination, colorize: false } : {}),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
    // Written synchronously, like pino's own stdout: the line before a crash is not lost.
    sync: true,
    customPrettifiers: {
      name: (value, _key, _log, { colors }) =>
        colors[nameColours[String(value)] ?? 'bold'](String(value)),
    },
  });
}
