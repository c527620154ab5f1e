// One test server: a network namespace on the testbed's bridge plus a private mount and UTS
// namespace (own /etc, /usr/local, /var, /root, /tmp, /run and /var/lib/docker), running its
// own sshd and dockerd and trusting the testbed registry's certificate.
// Recipe: shared/notes/environment.md.
import { spawn } from 'node:child_process';
import { mkdir, open, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { type CommandOptions, type CommandResult, run, runOk, TestbedError } from './command.ts';
import {
  describeProcess,
  isAlive,
  namespaceOf,
  type ProcessRef,
  processesIn,
  processRef,
  signal,
  waitFor,
} from './processes.ts';
import { trustCommand } from './registry.ts';
import { type HostState, type TestbedState, testbedDir } from './state.ts';

// Runs as the host's first process ("keeper"): it builds the private filesystem view, then
// sleeps so the namespaces outlive any single daemon. `ip netns exec` is avoided because it
// remounts /sys and hides the cgroup mounts dockerd needs; sysfs is remounted here instead,
// with the cgroup tree bound back on top.
const keeperScript = `set -eu
H=$1; NAME=$2
mkdir -p "$H/cgroup" "$H/docker" "$H/tmp"
mount --rbind /sys/fs/cgroup "$H/cgroup"
mount -t sysfs sysfs /sys
mount --rbind "$H/cgroup" /sys/fs/cgroup
for d in etc usr/local var root; do
  k=$(echo "$d" | tr / -)
  mkdir -p "$H/$k.upper" "$H/$k.work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$H/$k.upper,workdir=$H/$k.work" "/$d"
done
# The root account of a new server: Debian's default shell files, not this machine's. sshd runs
# every command through bash, which then reads ~/.bashrc; this machine's starts pyenv, which cost
# each SSH command ~550 ms here.
rm -f /root/.bashrc /root/.profile /root/.bash_profile /root/.bash_login
cp /etc/skel/.bashrc /etc/skel/.profile /root/ 2>/dev/null || true
mkdir -p /var/lib/docker /root/.ssh
mount --bind "$H/docker" /var/lib/docker
chmod 1777 "$H/tmp"
mount --bind "$H/tmp" /tmp
cp "$H/authorized_keys" /root/.ssh/authorized_keys
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/sshd /run/lock
hostname "$NAME"
echo "$NAME" > /etc/hostname
printf '127.0.0.1 localhost\\n127.0.1.1 %s\\n' "$NAME" > /etc/hosts
chmod 700 /root/.ssh
chmod 600 /root/.ssh/authorized_keys
rm -f /etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
echo ready
exec sleep infinity
`;

export function hostAddress(subnet: number, index: number): string {
  return `10.201.${subnet}.${10 + index}`;
}

export function hostNames(testbedId: string, index: number) {
  return {
    name: `${testbedId}-${index}`,
    netns: `ftb-${testbedId}-${index}`,
    veth: `fv-${testbedId}-${index}`,
    peer: `fp-${testbedId}-${index}`,
  };
}

/** Containers of this host are grouped under this cgroup, so teardown finds them all. */
const cgroupPrefix = 'flotilla-testbed-';

function cgroupParent(host: Pick<HostState, 'name'>): string {
  return `${cgroupPrefix}${host.name}`;
}

function nsenterArgs(host: HostState, command: readonly string[]): string[] {
  if (!host.keeper) throw new TestbedError(`host ${host.name} has no keeper process`);
  return ['-t', String(host.keeper.pid), '-m', '-u', '-n', '--', ...command];
}

/** Runs a shell command inside the host (its filesystem, hostname and network). */
export function execInHost(
  host: HostState,
  command: string,
  options: CommandOptions = {},
): Promise<CommandResult> {
  return run('nsenter', nsenterArgs(host, ['sh', '-c', command]), options);
}

async function spawnDaemon(
  host: HostState,
  logName: string,
  command: string[],
  env: Record<string, string> = {},
): Promise<ProcessRef> {
  const log = await open(join(host.dir, logName), 'a');
  try {
    const child = spawn('nsenter', nsenterArgs(host, command), {
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
    const pid = child.pid;
    child.unref();
    if (pid === undefined) throw new TestbedError(`could not start ${command[0]} on ${host.name}`);
    return processRef(pid);
  } finally {
    await log.close();
  }
}

async function startKeeper(host: HostState): Promise<ProcessRef> {
  const log = await open(join(host.dir, 'keeper.log'), 'a');
  try {
    const child = spawn(
      'nsenter',
      [
        `--net=/run/netns/${host.netns}`,
        '--',
        'unshare',
        '--mount',
        '--uts',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        keeperScript,
        'keeper',
        host.dir,
        host.name,
      ],
      { detached: true, stdio: ['ignore', 'pipe', log.fd] },
    );
    const ready = await new Promise<boolean>((resolve) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready')) resolve(true);
      });
      child.on('exit', () => resolve(false));
      child.on('error', () => resolve(false));
    });
    child.stdout?.destroy();
    child.unref();
    if (!ready || child.pid === undefined) {
      const why = await readFile(join(host.dir, 'keeper.log'), 'utf8').catch(() => '');
      throw new TestbedError(`host ${host.name} failed to start: ${why.trim().slice(-500)}`);
    }
    return processRef(child.pid);
  } finally {
    await log.close();
  }
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 500 });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export async function startSshd(host: HostState): Promise<ProcessRef> {
  return spawnDaemon(host, 'sshd.log', ['/usr/sbin/sshd', '-D', '-e']);
}

async function waitForSshd(host: HostState, timeoutMs: number): Promise<void> {
  if (!(await waitFor(() => portOpen(host.host, 22), timeoutMs))) {
    throw new TestbedError(`sshd on ${host.name} (${host.host}) did not answer`);
  }
}

async function startDockerd(host: HostState): Promise<ProcessRef> {
  return spawnDaemon(
    host,
    'dockerd.log',
    [
      'dockerd',
      // Its rules stay inside the server's network namespace (the machine's own tables are
      // untouched); without them, and without the default bridge that Swarm tasks publishing
      // host-mode ports attach to, those ports answer nothing.
      '--iptables=true',
      '--ip-masq=false',
      `--cgroup-parent=/${cgroupParent(host)}`,
    ],
    // Swarm tasks pull their image (from the testbed registry: every test image is named with
    // its address, never a Docker Hub name); an image only `docker import`ed on a server still
    // runs there, as the agent falls back to the local image when the pull fails.
  );
}

async function waitForDockerd(host: HostState, timeoutMs: number): Promise<void> {
  const ok = await waitFor(
    async () => (await execInHost(host, 'docker info --format "{{.ServerVersion}}"')).code === 0,
    timeoutMs,
    100,
  );
  if (!ok) {
    const log = await readFile(join(host.dir, 'dockerd.log'), 'utf8').catch(() => '');
    throw new TestbedError(`dockerd on ${host.name} did not start: ${log.trim().slice(-500)}`);
  }
}

/** Creates the namespace and link, then starts keeper, dockerd and sshd and waits for both. */
export async function startHost(
  testbed: TestbedState,
  index: number,
  authorizedKeys: readonly string[],
  record: (host: HostState) => Promise<void>,
): Promise<HostState> {
  const names = hostNames(testbed.id, index);
  // Recording a second host under an existing name would lose the first one's processes.
  if (testbed.hosts.some((h) => h.name === names.name)) {
    throw new TestbedError(`host ${names.name} already exists in testbed ${testbed.id}`);
  }
  const host: HostState = {
    name: names.name,
    index,
    host: hostAddress(testbed.subnet, index),
    netns: names.netns,
    veth: names.veth,
    dir: join(testbedDir(testbed.id), names.name),
    keeper: null,
    dockerd: null,
    sshd: null,
    netNamespace: null,
    mntNamespace: null,
  };
  await mkdir(host.dir, { recursive: true });
  // Recorded before anything exists, so a crash half-way still leaves enough to clean up.
  await record(host);
  await writeFile(
    join(host.dir, 'authorized_keys'),
    authorizedKeys.map((k) => `${k.trim()}\n`).join(''),
  );
  await runOk('ip', ['netns', 'add', host.netns]);
  await runOk('ip', ['link', 'add', host.veth, 'type', 'veth', 'peer', 'name', names.peer]);
  await runOk('ip', ['link', 'set', host.veth, 'master', testbed.bridge, 'up']);
  await runOk('ip', ['link', 'set', names.peer, 'netns', host.netns]);
  const inNs = (args: string[]) => runOk('ip', ['-n', host.netns, ...args]);
  await inNs(['link', 'set', names.peer, 'name', 'eth0']);
  await inNs(['addr', 'add', `${host.host}/24`, 'dev', 'eth0']);
  await inNs(['link', 'set', 'eth0', 'up']);
  await inNs(['link', 'set', 'lo', 'up']);
  await inNs(['route', 'add', 'default', 'via', testbed.gateway]);

  host.keeper = await startKeeper(host);
  host.netNamespace = await namespaceOf(host.keeper.pid, 'net');
  host.mntNamespace = await namespaceOf(host.keeper.pid, 'mnt');
  await record(host);
  if (testbed.registry && testbed.registry.trusted !== false) {
    const trust = await execInHost(host, trustCommand(testbed.registry.address), {
      input: testbed.registry.caCert,
    });
    if (trust.code !== 0) {
      throw new TestbedError(`trusting the registry on ${host.name}: ${trust.stderr.trim()}`);
    }
  }
  host.dockerd = await startDockerd(host);
  host.sshd = await startSshd(host);
  await record(host);
  // dockerd alone starts in about a second; with four test files each starting servers on two
  // cores, one was seen still starting after 60 s.
  await Promise.all([waitForDockerd(host, 120_000), waitForSshd(host, 20_000)]);
  return host;
}

/** Takes the host off the bridge (or back on). Its daemons keep running, unreachable. */
export async function setLink(host: HostState, up: boolean): Promise<void> {
  await runOk('ip', ['link', 'set', host.veth, up ? 'up' : 'down']);
}

/** New host keys and a restarted sshd: what a reinstalled server (or an impostor) looks like. */
export async function replaceHostKey(host: HostState): Promise<ProcessRef> {
  const result = await execInHost(
    host,
    "rm -f /etc/ssh/ssh_host_* && ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key",
  );
  if (result.code !== 0) throw new TestbedError(`new host key on ${host.name}: ${result.stderr}`);
  if (host.sshd) {
    signal(host.sshd.pid, 'SIGTERM');
    const sshd = host.sshd;
    await waitFor(async () => !(await isAlive(sshd)), 5_000);
  }
  host.sshd = await startSshd(host);
  await waitForSshd(host, 20_000);
  return host.sshd;
}

async function removeCgroups(host: Pick<HostState, 'name'>): Promise<void> {
  const name = cgroupParent(host);
  const roots = ['/sys/fs/cgroup'];
  const controllers = await readdir('/sys/fs/cgroup').catch(() => [] as string[]);
  for (const controller of controllers) roots.push(join('/sys/fs/cgroup', controller));
  const removeTree = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory()) await removeTree(join(dir, entry.name));
    }
    await rmdir(dir).catch(() => {});
  };
  for (const root of roots) {
    const dir = join(root, name);
    if (
      await stat(dir)
        .then((s) => s.isDirectory())
        .catch(() => false)
    )
      await removeTree(dir);
  }
}

async function cgroupPids(host: Pick<HostState, 'name'>): Promise<number[]> {
  const pids: number[] = [];
  const walk = async (dir: string): Promise<void> => {
    const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    for (const line of procs.split('\n')) if (line.trim()) pids.push(Number(line));
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) await walk(join(dir, entry.name));
  };
  await walk(join('/sys/fs/cgroup/pids', cgroupParent(host)));
  await walk(join('/sys/fs/cgroup/unified', cgroupParent(host)));
  await walk(join('/sys/fs/cgroup', cgroupParent(host)));
  return pids;
}

async function hasMountsUnder(dir: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  return mounts.split('\n').some((line) => {
    const mountPoint = line.split(' ')[4];
    return mountPoint !== undefined && (mountPoint === dir || mountPoint.startsWith(`${dir}/`));
  });
}

/**
 * The host's namespace identities, but only while something still proves they are this host's:
 * an identity recorded earlier may belong to a newer namespace once the old one is gone, and
 * matching on it would kill another testbed's processes.
 */
async function liveNamespaces(
  host: HostState,
): Promise<{ net: string | null; mnt: string | null }> {
  const net = await pinnedNet(host.netns, host.netNamespace);
  let mnt: string | null = null;
  for (const ref of [host.keeper, host.dockerd, host.sshd]) {
    if (ref && (await isAlive(ref)) && (await namespaceOf(ref.pid, 'mnt')) === host.mntNamespace) {
      mnt = host.mntNamespace;
    }
  }
  return { net, mnt };
}

/** `net` while /run/netns/`netns` still pins that very network namespace (else it may be gone). */
async function pinnedNet(netns: string, net: string | null): Promise<string | null> {
  const file = await stat(`/run/netns/${netns}`).catch(() => null);
  return file && net === `net:[${file.ino}]` ? net : null;
}

/** Stops every process of the host, removes its namespace, link, cgroups and files. */
export async function teardownHost(host: HostState): Promise<void> {
  // dockerd stops its containers when asked nicely; everything left is killed below.
  if (await isAlive(host.dockerd)) {
    signal(host.dockerd!.pid, 'SIGTERM');
    const dockerd = host.dockerd;
    await waitFor(async () => !(await isAlive(dockerd)), 10_000, 100);
  }
  let survivors: number[] = [];
  const gone = await waitFor(
    async () => {
      // Proven again each round: once the host's own processes are dead its mount namespace is
      // freed, and the next one created on the machine may get its identity — a keeper another
      // test file was starting that moment. Matched on a stale identity, that keeper was killed
      // (seen in CI: "nsenter: cannot open /proc/<keeper>/ns/uts" while a server started, and
      // runc failing to start containers whose processes vanished).
      const namespaces = await liveNamespaces(host);
      const pids = [...(await processesIn(namespaces)), ...(await cgroupPids(host))];
      for (const ref of [host.keeper, host.sshd, host.dockerd]) {
        if (ref && (await isAlive(ref))) pids.push(ref.pid);
      }
      for (const pid of pids) signal(pid, 'SIGKILL');
      survivors = pids;
      return pids.length === 0;
    },
    // A process waiting on the disk dies only when that wait ends: on a loaded machine, seconds.
    30_000,
    100,
  );
  if (!gone) {
    const left = (await Promise.all(survivors.slice(0, 10).map(describeProcess))).filter(Boolean);
    throw new TestbedError(
      `processes of ${host.name} survived SIGKILL for 30 s (pid state command): ${left.join('; ') || 'gone just now'}`,
    );
  }
  await removeCgroups(host);
  await run('ip', ['netns', 'del', host.netns]);
  await run('ip', ['link', 'del', host.veth]);
  // rm -r crosses mount points; with a mount left under the directory it could reach into
  // /sys/fs/cgroup. The host's mounts live in its own namespace, so normally there are none.
  if (await hasMountsUnder(host.dir)) {
    throw new TestbedError(`refusing to delete ${host.dir}: something is still mounted under it`);
  }
  await rm(host.dir, { recursive: true, force: true });
}

/**
 * Hosts whose testbed has no state any more (a creation killed before it recorded them, or a
 * bug): found by their dockerd's --cgroup-parent flag, then stopped like any other host.
 * Returns the names of the hosts removed.
 */
export async function sweepOrphanHosts(
  liveTestbeds: () => Promise<ReadonlySet<string>>,
): Promise<string[]> {
  const flag = `--cgroup-parent=/${cgroupPrefix}`;
  const orphans: { name: string; dockerd: ProcessRef; net: string | null; mnt: string | null }[] =
    [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!argv[0]?.endsWith('dockerd')) continue;
    const name = argv.find((arg) => arg.startsWith(flag))?.slice(flag.length);
    if (!name) continue;
    const pid = Number(entry);
    orphans.push({
      name,
      dockerd: await processRef(pid),
      net: await namespaceOf(pid, 'net'),
      mnt: await namespaceOf(pid, 'mnt'),
    });
  }
  // States are read after the processes: a testbed records its state before starting any
  // dockerd, so every dockerd seen above whose testbed is alive is known by now.
  const live = await liveTestbeds();
  const found = orphans.filter((orphan) => !live.has(orphan.name.split('-')[0] ?? ''));
  for (const orphan of found) {
    signal(orphan.dockerd.pid, 'SIGTERM');
    await waitFor(async () => !(await isAlive(orphan.dockerd)), 10_000, 100);
    // As in teardownHost, a namespace identity counts only while it is proven the orphan's: the
    // network namespace while its /run/netns file pins it, the mount namespace only while a
    // process of that network namespace is in it.
    await waitFor(
      async () => {
        const net = await pinnedNet(`ftb-${orphan.name}`, orphan.net);
        const inNet = net ? await processesIn({ net }) : [];
        const mnts = await Promise.all(inNet.map((pid) => namespaceOf(pid, 'mnt')));
        const mnt = orphan.mnt && mnts.includes(orphan.mnt) ? orphan.mnt : null;
        const pids = [...(await processesIn({ net, mnt })), ...(await cgroupPids(orphan))];
        for (const pid of pids) signal(pid, 'SIGKILL');
        return pids.length === 0;
      },
      10_000,
      100,
    );
    await removeCgroups(orphan);
  }
  return found.map((orphan) => orphan.name);
}
