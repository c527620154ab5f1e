import { type DestinationStream, type Logger, pino } from 'pino';

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

export interface LogOptions {
  name: string;
  level?: string;
  destination?: DestinationStream;
}

export function createLogger({ name, level = 'info', destination }: LogOptions): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    destination,
  );
}
