// The CLI as a user runs it: the compiled dist/flotilla.js (built once per file into a folder of
// its own), a child process with its own HOME, nothing but PATH inherited.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli } from '../scripts/build.ts';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunner {
  binary: string;
  home: string;
  configFile: string;
  /** Runs `flotilla …args` to completion. */
  run(args: string[], options?: { env?: Record<string, string>; input?: string }): Promise<Run>;
  /** Runs `flotilla …args` on a pseudo-terminal 120 columns wide (util-linux `script`). */
  runOnTerminal(args: string[]): Promise<Run>;
  /** Starts `flotilla …args` and returns it running (for `logs -f`). */
  start(args: string[]): Started;
  close(): Promise<void>;
}

export interface Started {
  output(): { stdout: string; stderr: string };
  /** Sends SIGINT (Ctrl-C) and waits for the exit. */
  interrupt(): Promise<Run>;
  exited: Promise<Run>;
}

export async function createCliRunner(): Promise<CliRunner> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-cli-'));
  const binary = await buildCli(join(dir, 'dist', 'flotilla.js'));
  const home = join(dir, 'home');
  const baseEnv = () => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
  });
  const launch = (args: string[], env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [binary, ...args], {
      env: { ...baseEnv(), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<Run>((resolve) => {
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    return { child, exited, output: () => ({ stdout, stderr }) };
  };
  return {
    binary,
    home,
    configFile: join(home, '.config', 'flotilla', 'config.json'),
    run(args, { env, input } = {}) {
      const { child, exited } = launch(args, env);
      child.stdin.end(input ?? '');
      return exited;
    },
    runOnTerminal(args) {
      const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
      const command = [process.execPath, binary, ...args].map(quote).join(' ');
      const child = spawn('script', ['-qfec', `stty cols 120; exec ${command}`, '/dev/null'], {
        env: { ...baseEnv(), TERM: 'xterm-256color' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      return new Promise<Run>((resolve) => {
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    },
    start(args) {
      const { child, exited, output } = launch(args);
      return {
        exited,
        output,
        interrupt: () => {
          child.kill('SIGINT');
          return exited;
        },
      };
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Polls until `check` passes or fails naming `what` and what was `seen` (no sleeps as waits). */
export async function until(
  what: string,
  check: () => boolean,
  {
    timeoutMs = 60_000,
    intervalMs = 100,
    seen = () => '',
  }: { timeoutMs?: number; intervalMs?: number; seen?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${seen()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
