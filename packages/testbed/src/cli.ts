// pnpm testbed up N [--authorized-key "<pub>"] | down [--stale|--all] | stop NAME | start NAME | list
import { TestbedError } from './command.ts';
import { createTestbed, downTestbeds, findHost, listTestbeds } from './testbed.ts';

const usage = `usage: pnpm testbed <command>
  up N [--authorized-key "<public key>"]...  start N servers, print [{name,host,port,user}]
  down [--stale | --all | ID...]             remove testbeds (default all; --stale: those whose
                                             creating process is gone; or the given ones)
  stop NAME | start NAME                     take a server off the network / back on
  list                                       testbeds and their servers as JSON`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (typeof process.getuid === 'function' && process.getuid() !== 0 && command !== undefined) {
    fail('pnpm testbed needs root: it creates network namespaces, bridges and mounts (try sudo)');
  }
  switch (command) {
    case 'up': {
      const count = Number(rest[0]);
      if (!Number.isInteger(count) || count < 1) fail(`up: N must be a positive integer\n${usage}`);
      const keys: string[] = [];
      for (let i = 1; i < rest.length; i++) {
        if (rest[i] === '--authorized-key' && rest[i + 1]) keys.push(rest[++i]!);
        else fail(`up: unexpected argument ${rest[i]}\n${usage}`);
      }
      const testbed = await createTestbed({
        hosts: count,
        authorizedKeys: keys,
        ownedByProcess: false,
      });
      process.stdout.write(`${JSON.stringify(testbed.hosts, null, 2)}\n`);
      return;
    }
    case 'down': {
      const flag = rest[0];
      const ids = rest.filter((arg) => !arg.startsWith('--'));
      if (ids.length !== rest.length && rest.length > 1) fail(usage);
      if (flag?.startsWith('--') && flag !== '--stale' && flag !== '--all') fail(usage);
      const removed = await downTestbeds(
        ids.length > 0 ? { ids } : { staleOnly: flag === '--stale' },
      );
      process.stdout.write(`${JSON.stringify({ removed })}\n`);
      return;
    }
    case 'stop':
    case 'start': {
      const name = rest[0] ?? fail(`${command}: NAME is required\n${usage}`);
      const { testbed } = await findHost(name);
      await (command === 'stop' ? testbed.stop(name) : testbed.start(name));
      return;
    }
    case 'list':
      process.stdout.write(`${JSON.stringify(await listTestbeds(), null, 2)}\n`);
      return;
    default:
      fail(usage);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  fail(error instanceof TestbedError ? error.message : String((error as Error)?.stack ?? error));
});
