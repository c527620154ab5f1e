// The process's streams and environment, passed in (not read from globals) so that every command
// writes where it is told and the tests can run the real program.
import type { Env } from './config.ts';

export interface Output {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: Env;
}

export type OutputFormat = 'table' | 'json';
export const outputFormats: OutputFormat[] = ['table', 'json'];

/** Colour only for a person at a terminal, and never when NO_COLOR is set (no-color.org). */
export function colorsFor(stream: Output, env: Env) {
  const on = Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
  const paint = (open: number, close: number) => (text: string) =>
    on ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    enabled: on,
    bold: paint(1, 22),
    dim: paint(2, 22),
    red: paint(31, 39),
    green: paint(32, 39),
    yellow: paint(33, 39),
    cyan: paint(36, 39),
  };
}

export type Colors = ReturnType<typeof colorsFor>;

/** Statuses in the colour a reader expects: settled green, failed red, in motion yellow. */
export function paintStatus(colors: Colors, status: string): string {
  if (status === 'running') return colors.green(status);
  if (status === 'error' || status === 'down') return colors.red(status);
  if (status === 'degraded' || status === 'draining') return colors.yellow(status);
  return colors.cyan(status);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what it removes
const ansi = /\u001b\[[0-9;]*m/g;

/** Width on screen: escapes take no columns. */
export function visibleLength(text: string): number {
  return text.replace(ansi, '').length;
}

/** Cut to `width` columns, keeping escapes intact and closing any colour left open. */
export function truncate(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what it skips
  const escapeAt = /\u001b\[[0-9;]*m/y;
  let out = '';
  let shown = 0;
  for (let i = 0; i < text.length && shown < width - 1; ) {
    escapeAt.lastIndex = i;
    const sequence = escapeAt.exec(text);
    if (sequence) {
      out += sequence[0];
      i += sequence[0].length;
      continue;
    }
    out += text[i];
    shown++;
    i++;
  }
  return `${out}…\u001b[0m`;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

/** Left-aligned columns two spaces apart, headers in capitals, as kubectl and doctl print them. */
export function table<T>(rows: T[], columns: Column<T>[], colors: Colors): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => visibleLength(line[i] ?? ''))),
  );
  const pad = (text: string, i: number) =>
    i === columns.length - 1 ? text : text + ' '.repeat((widths[i] ?? 0) - visibleLength(text));
  const header = colors.bold(columns.map((column, i) => pad(column.header, i)).join('  '));
  const body = cells.map((line) =>
    line
      .map((cell, i) => pad(cell, i))
      .join('  ')
      .trimEnd(),
  );
  return `${[header.trimEnd(), ...body].join('\n')}\n`;
}

/** `key: value` lines with the keys aligned, for one object. */
export function fields(entries: [string, string][], colors: Colors): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return `${entries.map(([key, value]) => `${colors.bold(`${key}:`.padEnd(width + 1))} ${value}`).join('\n')}\n`;
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** "3m", "2h", "5d": how long ago, as the lists show it. */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}
