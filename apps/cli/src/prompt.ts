// Questions asked at a terminal: a confirmation before destroying machines, the token at login
// (not echoed, so it stays out of the scrollback; a flag would put it in the shell's history).
import { createInterface } from 'node:readline';
import { CliError, exitCodes } from './errors.ts';
import type { Io } from './io.ts';

export function canPrompt(io: Io): boolean {
  return Boolean(io.stdin.isTTY && io.stderr.isTTY);
}

/** One line from the terminal; `hidden` echoes nothing (raw mode, as ssh does for passwords). */
export function ask(io: Io, question: string, { hidden = false } = {}): Promise<string> {
  io.stderr.write(question);
  if (!hidden || !io.stdin.setRawMode) {
    const lines = createInterface({ input: io.stdin, terminal: false });
    return new Promise((resolve) => {
      lines.once('line', (line) => {
        lines.close();
        resolve(line.trim());
      });
      lines.once('close', () => resolve(''));
    });
  }
  const stdin = io.stdin as NodeJS.ReadStream;
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (finish: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      io.stderr.write('\n');
      finish();
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(() => resolve(typed.trim()));
        if (char === '\u0003') {
          return done(() => reject(new CliError('interrupted', exitCodes.interrupted)));
        }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** All of standard input (a token piped in: `… | flotilla login --token-stdin`). */
export async function readAll(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}
