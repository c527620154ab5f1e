// What every command is given: the streams, the session (API, token, organization) and the
// signal that Ctrl-C raises.
import type { Command } from 'commander';
import { usageError } from './errors.ts';
import { colorsFor, type Io, json, type OutputFormat } from './io.ts';
import { ask, canPrompt } from './prompt.ts';
import { type GlobalOptions, Session } from './session.ts';

export class Cli {
  private current?: Session;

  constructor(
    readonly io: Io,
    readonly signal: AbortSignal,
  ) {}

  /** One session per run, built from the global flags of the command being run. */
  session(command: Command): Session {
    this.current ??= new Session(this.io, command.optsWithGlobals<GlobalOptions>());
    return this.current;
  }

  /** The API address for error messages, once a command has used it. */
  get url(): string {
    return this.current?.url ?? 'the Flotilla API';
  }

  format(command: Command): OutputFormat {
    return command.optsWithGlobals<GlobalOptions>().output;
  }

  get colors() {
    return colorsFor(this.io.stdout, this.io.env);
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  /** Notes for a person (hints, "Deleting…"): stderr, so stdout stays the command's result. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  printJson(value: unknown): void {
    this.out(json(value));
  }

  /**
   * Destroying machines needs the user's word: `--yes`, or the name typed back at a terminal.
   * Without a terminal to ask on, and no `--yes`, it is a usage error rather than a guess.
   */
  async confirm(yes: boolean | undefined, what: string, name: string): Promise<void> {
    if (yes) return;
    if (!canPrompt(this.io)) {
      throw usageError(`${what}: pass --yes to confirm (there is no terminal to ask on)`);
    }
    const answer = await ask(this.io, `${what}. Type ${name} to confirm: `);
    if (answer !== name) throw usageError('not confirmed; nothing was changed');
  }
}
