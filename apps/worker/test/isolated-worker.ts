// A worker in a network namespace of its own, for tests that hand it addresses it must never
// contact (`unshare -n node --import tsx isolated-worker.ts`, run by network-policy.test.ts).
//
// The namespace's only link besides loopback is a veth pair with both ends inside it: a default
// route exists, so a connection attempt to any address leaves a SYN that iptables counts, and
// then goes nowhere. Loopback port 22 is a trap that records every connection. Postgres and
// Redis are reached through loopback ports forwarded to unix sockets the test serves outside
// (a unix socket is a file, not in any network namespace).
//
// Environment: the worker's own (DATABASE_URL and REDIS_URL on 127.0.0.1, …) plus
// FORWARD=<port>=<socket path>,… and CONTROL_ADDRESS, the one address the test expects SYNs to.
// Prints READY once the worker runs; on SIGTERM stops it and prints one line of JSON:
// { "syn": { "control": n, "other": n, "otherV6": n }, "trapped": [addresses] }.
import { execFileSync } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { loadConfig } from '@flotilla/config';
import { startWorker } from '../src/worker.ts';

const sh = (command: string, ...args: string[]) => execFileSync(command, args, { stdio: 'pipe' });
const control = process.env.CONTROL_ADDRESS ?? '203.0.113.9';

sh('ip', 'link', 'set', 'lo', 'up');
sh('ip', 'link', 'add', 'out0', 'type', 'veth', 'peer', 'name', 'out1');
sh('ip', 'link', 'set', 'out0', 'up');
sh('ip', 'link', 'set', 'out1', 'up');
sh('ip', 'addr', 'add', '198.18.0.1/30', 'dev', 'out0');
sh('ip', 'route', 'add', 'default', 'via', '198.18.0.2', 'dev', 'out0');
sh('ip', '-6', 'addr', 'add', 'fd99::1/64', 'dev', 'out0', 'nodad');
sh('ip', '-6', 'route', 'add', 'default', 'via', 'fd99::2', 'dev', 'out0');
// Rule 1 counts the control address (the test's proof that counting works), rule 2 anything else
// that is not loopback; both only count.
sh('iptables', '-A', 'OUTPUT', '-p', 'tcp', '--syn', '-d', control, '-j', 'ACCEPT');
sh('iptables', '-A', 'OUTPUT', '-p', 'tcp', '--syn', '!', '-o', 'lo', '-j', 'ACCEPT');
sh('ip6tables', '-A', 'OUTPUT', '-p', 'tcp', '--syn', '!', '-o', 'lo', '-j', 'ACCEPT');

function synCounts(command: 'iptables' | 'ip6tables'): number[] {
  return sh(command, '-L', 'OUTPUT', '-v', '-n', '-x')
    .toString()
    .split('\n')
    .slice(2)
    .filter((line) => line.trim())
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

const servers: Server[] = [];
const trapped: string[] = [];
for (const host of ['127.0.0.1', '::1']) {
  const trap = createServer((socket) => {
    trapped.push(`${host}:22`);
    socket.destroy();
  });
  trap.listen(22, host);
  servers.push(trap);
}
for (const entry of (process.env.FORWARD ?? '').split(',').filter(Boolean)) {
  const [port, path] = entry.split('=') as [string, string];
  const forward = createServer((client) => {
    const upstream = connect(path);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
  });
  forward.listen(Number(port), '127.0.0.1');
  servers.push(forward);
}

const worker = await startWorker({ config: loadConfig(process.env) });
process.stdout.write('READY\n');

process.once('SIGTERM', async () => {
  await worker.close(true);
  const [controlSyn = -1, otherSyn = -1] = synCounts('iptables');
  const [otherV6 = -1] = synCounts('ip6tables');
  process.stdout.write(
    `${JSON.stringify({ syn: { control: controlSyn, other: otherSyn, otherV6 }, trapped })}\n`,
  );
  for (const server of servers) server.close();
  process.exit(0);
});
