#!/usr/bin/env node
// The `flotilla` executable: the real process streams, Ctrl-C as an abort signal (a second one
// exits at once), and the exit code runCli decides.
import { runCli } from './program.ts';

const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
});

const code = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
  interrupt.signal,
);
// Exit once both streams have flushed (pipes are asynchronous on some systems): open sockets, such
// as an SSE stream being closed, must not keep a finished command alive.
process.exitCode = code;
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
