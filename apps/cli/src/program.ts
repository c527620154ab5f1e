// The `flotilla` command tree. Commander parses; every error, its own or a command's, ends in
// runCli with one line on stderr and the exit code of its kind (src/errors.ts).
import { Command, CommanderError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { Cli } from './cli.ts';
import { registerAccount } from './commands/account.ts';
import { registerApps } from './commands/apps.ts';
import { registerClusters } from './commands/clusters.ts';
import { registerNodes } from './commands/nodes.ts';
import { registerSshKeys } from './commands/ssh-keys.ts';
import { cliErrorOf, exitCodeHelp, exitCodes } from './errors.ts';
import { type Io, outputFormats } from './io.ts';

export const version: string = packageJson.version;

const environmentHelp = `Environment:
  FLOTILLA_URL    the API's address (overrides the one stored by login)
  FLOTILLA_TOKEN  an API token (overrides the stored one)
  FLOTILLA_ORG    the organization to act on (id or slug)
  NO_COLOR        no colours`;

export function buildProgram(cli: Cli): Command {
  const program = new Command('flotilla')
    .description('Create and run compute clusters on a Flotilla control plane.')
    .version(version, '-v, --version', 'print the version')
    .addOption(
      new Option('-o, --output <format>', 'table for people, json for scripts')
        .choices(outputFormats)
        .default('table'),
    )
    .option('--org <organization>', 'the organization to act on (id or slug)')
    .configureOutput({
      writeOut: (text) => cli.io.stdout.write(text),
      writeErr: (text) => cli.io.stderr.write(text),
    })
    .exitOverride()
    .showSuggestionAfterError()
    .addHelpText('after', `\n${exitCodeHelp}\n\n${environmentHelp}\n`);
  // Settings above are copied to every subcommand created below.
  registerAccount(program, cli);
  registerClusters(program, cli);
  registerNodes(program, cli);
  registerSshKeys(program, cli);
  registerApps(program, cli);
  return program;
}

/** Runs one command line (without `node` and the script) and returns the exit code. */
export async function runCli(args: string[], io: Io, signal: AbortSignal): Promise<number> {
  const cli = new Cli(io, signal);
  const program = buildProgram(cli);
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help/version asked for) already.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    const failed = cliErrorOf(error, cli.url);
    io.stderr.write(`error: ${failed.message}\n`);
    return failed.exitCode;
  }
}
