// ssh-keys ls | add | generate | rm: the keys Flotilla opens servers of your own with (sealed at
// rest on the server; only public halves ever come back).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Cli } from '../cli.ts';
import { usageError } from '../errors.ts';
import { age, table } from '../io.ts';
import { resolveSshKey } from '../resolve.ts';

export function registerSshKeys(program: Command, cli: Cli): void {
  const keys = program
    .command('ssh-keys')
    .alias('ssh-key')
    .description('SSH keys that open servers of your own');

  keys
    .command('ls')
    .alias('list')
    .description("the organization's SSH keys (public halves)")
    .action(async (_options, command: Command) => {
      const session = cli.session(command);
      const api = await session.api();
      const list = await api.sshKey.list.query({ organizationId: await session.organizationId() });
      if (cli.format(command) === 'json') return cli.printJson(list);
      if (list.length === 0) return cli.note('No SSH keys.');
      cli.out(
        table(
          list,
          [
            { header: 'NAME', value: (k) => k.name },
            { header: 'ID', value: (k) => k.id },
            { header: 'FINGERPRINT', value: (k) => k.fingerprint },
            { header: 'AGE', value: (k) => age(k.createdAt) },
          ],
          cli.colors,
        ),
      );
    });

  keys
    .command('add')
    .description('upload a private key (stored sealed; never shown again)')
    .argument('<name>', 'what to call it')
    .requiredOption('--private-key-file <path>', 'the OpenSSH or PEM private key')
    .action(async (name: string, options: { privateKeyFile: string }, command: Command) => {
      let privateKey: string;
      try {
        privateKey = await readFile(options.privateKeyFile, 'utf8');
      } catch (error) {
        throw usageError(`--private-key-file: ${(error as Error).message}`);
      }
      const session = cli.session(command);
      const api = await session.api();
      const key = await api.sshKey.create.mutate({
        organizationId: await session.organizationId(),
        name,
        privateKey,
      });
      if (cli.format(command) === 'json') return cli.printJson(key);
      cli.out(`${key.id}  ${key.fingerprint}\n`);
    });

  keys
    .command('generate')
    .description('have the server make a key pair; prints the public key for authorized_keys')
    .argument('<name>', 'what to call it')
    .action(async (name: string, _options, command: Command) => {
      const session = cli.session(command);
      const api = await session.api();
      const key = await api.sshKey.generate.mutate({
        organizationId: await session.organizationId(),
        name,
      });
      if (cli.format(command) === 'json') return cli.printJson(key);
      cli.out(`${key.publicKey.trim()}\n`);
      cli.note(
        `Key ${key.name} (${key.id}). Add the line above to ~/.ssh/authorized_keys on your servers.`,
      );
    });

  keys
    .command('rm')
    .alias('remove')
    .description('delete an SSH key no cluster uses')
    .argument('<key>', 'name or id')
    .action(async (ref: string, _options, command: Command) => {
      const session = cli.session(command);
      const api = await session.api();
      const key = await resolveSshKey(api, await session.organizationId(), ref);
      await api.sshKey.remove.mutate({ sshKeyId: key.id });
      if (cli.format(command) === 'json') return cli.printJson({ id: key.id, removed: true });
      cli.out(`Removed SSH key ${key.name}.\n`);
    });
}
