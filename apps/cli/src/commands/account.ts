// login, logout, whoami: the token is checked against the server before it is stored, and the
// file holding it is the user's alone (0600).
import { createFlotillaClient } from '@flotilla/client';
import type { Command } from 'commander';
import type { Cli } from '../cli.ts';
import { readConfig, writeConfig } from '../config.ts';
import { CliError, cliErrorOf, exitCodes, usageError } from '../errors.ts';
import { fields } from '../io.ts';
import { ask, canPrompt, readAll } from '../prompt.ts';
import { normalizeUrl, pickOrganization } from '../session.ts';

/** Where `pnpm start` serves, so a first login on the same machine needs no flag. */
const defaultUrl = 'http://127.0.0.1:3000';

export function registerAccount(program: Command, cli: Cli): void {
  program
    .command('login')
    .description('check a token against the API and store both for the next commands')
    .option(
      '--url <url>',
      `the API's address (default: FLOTILLA_URL, the last login, or ${defaultUrl})`,
    )
    .option(
      '--token <token>',
      'an API token (prefer --token-stdin or the prompt: flags land in shell history)',
    )
    .option('--token-stdin', 'read the token from standard input')
    .addHelpText(
      'after',
      `
Create an API token in the dashboard (Settings → API tokens) or with POST /api/token.create.
Without --token or --token-stdin the token comes from FLOTILLA_TOKEN, or is asked for.

  $ flotilla login --url https://flotilla.example.com
  $ echo "$TOKEN" | flotilla login --url https://flotilla.example.com --token-stdin`,
    )
    .action(
      async (options: { url?: string; token?: string; tokenStdin?: boolean }, command: Command) => {
        const session = cli.session(command);
        const { env } = cli.io;
        const stored = await readConfig(session.configPath);
        const rawUrl = options.url ?? env.FLOTILLA_URL ?? stored.url ?? defaultUrl;
        const url = normalizeUrl(rawUrl, options.url ? '--url' : 'FLOTILLA_URL');
        session.url = url;
        if (options.token && options.tokenStdin) {
          throw usageError('give --token or --token-stdin, not both');
        }
        let token =
          options.token ?? (options.tokenStdin ? await readAll(cli.io) : env.FLOTILLA_TOKEN);
        if (!token) {
          if (!canPrompt(cli.io)) {
            throw usageError('no token: give --token-stdin (or --token), or set FLOTILLA_TOKEN');
          }
          token = await ask(cli.io, `API token for ${url}: `, { hidden: true });
        }
        if (!token) throw usageError('no token given');

        const api = createFlotillaClient({ url, token });
        let me: Awaited<ReturnType<typeof api.auth.me.query>>;
        try {
          me = await api.auth.me.query();
        } catch (error) {
          const failed = cliErrorOf(error, url);
          if (failed.exitCode === exitCodes.auth) {
            throw new CliError(
              `${url} refused the token: ${(error as Error).message}`,
              exitCodes.auth,
            );
          }
          throw failed;
        }
        const globals = command.optsWithGlobals<{ org?: string }>();
        const ref = globals.org ?? env.FLOTILLA_ORG;
        // Several organizations and none named: the first, said out loud.
        const organization =
          ref || me.organizations.length <= 1
            ? pickOrganization(me.organizations, ref)
            : (me.organizations[0] as (typeof me.organizations)[number]);
        await writeConfig(session.configPath, { url, token, organizationId: organization.id });

        if (cli.format(command) === 'json') {
          cli.printJson({ url, user: me, organization, configPath: session.configPath });
          return;
        }
        cli.out(
          `Logged in to ${url} as ${me.name} <${me.email}>, organization ${organization.name} (${organization.slug}).\n`,
        );
        if (!ref && me.organizations.length > 1) {
          cli.note(
            `You belong to ${me.organizations.length} organizations; choose another with --org (${me.organizations.map((o) => o.slug).join(', ')}).`,
          );
        }
        cli.note(`Saved to ${session.configPath}.`);
      },
    );

  program
    .command('logout')
    .description('forget the stored token (--revoke: also revoke it on the server)')
    .option('--revoke', 'revoke the token on the server too, so no copy of it works any more')
    .action(async (options: { revoke?: boolean }, command: Command) => {
      const session = cli.session(command);
      const stored = await readConfig(session.configPath);
      if (!stored.token) {
        cli.note('Not logged in.');
        return;
      }
      if (options.revoke) {
        const url = normalizeUrl(stored.url ?? defaultUrl, session.configPath);
        session.url = url;
        try {
          await createFlotillaClient({ url, token: stored.token }).auth.logout.mutate();
        } catch (error) {
          // A token the server no longer accepts is as revoked as it gets.
          if (cliErrorOf(error, url).exitCode !== exitCodes.auth) throw error;
        }
      }
      const { token: _token, ...rest } = stored;
      await writeConfig(session.configPath, rest);
      if (cli.format(command) === 'json') {
        cli.printJson({ loggedOut: true, revoked: Boolean(options.revoke) });
      } else {
        cli.out(`Logged out${options.revoke ? ' and the token revoked' : ''}.\n`);
      }
      if (cli.io.env.FLOTILLA_TOKEN) cli.note('FLOTILLA_TOKEN is still set and still applies.');
    });

  program
    .command('whoami')
    .description('who the token belongs to, and which API and organization commands use')
    .action(async (_options, command: Command) => {
      const session = cli.session(command);
      const api = await session.api();
      const me = await api.auth.me.query();
      const organizationId = await session.organizationId();
      const organization = me.organizations.find((o) => o.id === organizationId);
      if (cli.format(command) === 'json') {
        cli.printJson({ url: session.url, user: me, organization: organization ?? null });
        return;
      }
      cli.out(
        fields(
          [
            ['api', session.url],
            ['user', `${me.name} <${me.email}>`],
            [
              'organization',
              organization
                ? `${organization.name} (${organization.slug}, ${organization.role})`
                : organizationId,
            ],
          ],
          cli.colors,
        ),
      );
    });
}
