// A set of test servers on one bridge, created and destroyed as a unit. State is written to disk
// as each piece appears, so `pnpm testbed down` can always undo a half-finished creation.
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { CommandOptions, CommandResult } from './command.ts';
import { run, runOk, TestbedError } from './command.ts';
import {
  execInHost,
  replaceHostKey,
  setLink,
  startHost,
  sweepOrphanHosts,
  teardownHost,
} from './host.ts';
import { imageName, importImage, pushImages } from './images.ts';
import { isAlive, processRef } from './processes.ts';
import {
  registryInfo,
  startRegistry,
  stopRegistry,
  sweepOrphanRegistries,
  type TestbedRegistry,
  trustCommand,
  trustPath,
} from './registry.ts';
import {
  claimSubnet,
  type HostState,
  listStates,
  listSubnetClaims,
  listTestbedDirs,
  newTestbedId,
  type RegistryState,
  readState,
  releaseSubnet,
  settleWrites,
  subnetClaimPath,
  type TestbedState,
  type TestImages,
  testbedDir,
  writeState,
} from './state.ts';

export interface TestbedHost {
  name: string;
  host: string;
  port: number;
  user: string;
}

export interface Testbed {
  readonly id: string;
  readonly hosts: TestbedHost[];
  /** This machine's address on the testbed network: servers reach local test services here. */
  readonly gateway: string;
  /** Runs a shell command on the host directly (not over SSH). */
  exec(name: string, command: string, options?: CommandOptions): Promise<CommandResult>;
  /** Cuts the host off the network; its sshd and dockerd keep running, unreachable. */
  stop(name: string): Promise<void>;
  start(name: string): Promise<void>;
  /** New SSH host keys and a restarted sshd. */
  replaceHostKey(name: string): Promise<void>;
  /** Authorizes one more public key for root on every host (and on hosts added later). */
  authorizeKey(publicKey: string): Promise<void>;
  addHost(): Promise<TestbedHost>;
  /** Stops one server and removes everything it had, like a deleted cloud machine. */
  removeHost(name: string): Promise<void>;
  /** The testbed's registry (TLS on the gateway address, trusted by every server unless not). */
  readonly registry: TestbedRegistry;
  /** The sleeper image's name in the registry (see `images()`); `importImage` loads it. */
  readonly sleeperImage: string;
  /** Loads the sleeper image into one host's Docker directly, without the registry. */
  importImage(name: string): Promise<string>;
  /**
   * The test images, built once per testbed on its first server and pushed to the registry
   * (later calls, from any process, return the same images).
   */
  images(): Promise<TestImages>;
  destroy(): Promise<void>;
}

export interface CreateTestbedOptions {
  hosts: number;
  authorizedKeys?: string[];
  /** False for testbeds that outlive their creator (the CLI); default true. */
  ownedByProcess?: boolean;
  /** The registry asks for a user name and password (`registry.username`/`password`). */
  registryAuth?: boolean;
  /**
   * False: no server is given the registry's CA (a real user's servers do not have it), so
   * whatever pulls from it must bring the CA itself. Default true. `images()` still pushes: the
   * first server trusts it for the push only.
   */
  trustRegistry?: boolean;
}

function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new TestbedError(
      'the testbed needs root: it creates network namespaces, bridges and mounts (run as root)',
    );
  }
}

function publicHost(host: HostState): TestbedHost {
  return { name: host.name, host: host.host, port: 22, user: 'root' };
}

async function authorizedKeysOf(state: TestbedState): Promise<string[]> {
  const text = await readFile(`${testbedDir(state.id)}/authorized_keys`, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.trim());
}

async function saveAuthorizedKeys(state: TestbedState, keys: string[]): Promise<void> {
  await writeFile(`${testbedDir(state.id)}/authorized_keys`, keys.map((k) => `${k}\n`).join(''));
}

function forwardRule(bridge: string): string[] {
  return ['FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT'];
}

// The kernel's neighbour (ARP) table is one for every network namespace, and its default limit
// (1024 entries) is reached once some 50 servers and their containers exist: new connections
// then fail with "No route to host" or time out (dmesg: "neighbor table overflow"). Raised,
// never lowered.
const neighbourLimits = { gc_thresh3: 65_536, gc_thresh2: 32_768, gc_thresh1: 8_192 };

async function raiseNeighbourLimits(): Promise<void> {
  for (const family of ['ipv4', 'ipv6']) {
    for (const [name, limit] of Object.entries(neighbourLimits)) {
      const path = `/proc/sys/net/${family}/neigh/default/${name}`;
      const current = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (current > 0 && current < limit) {
        await writeFile(path, String(limit)).catch(() => {});
      }
    }
  }
}

async function setUpNetwork(state: TestbedState): Promise<void> {
  await raiseNeighbourLimits();
  await runOk('ip', ['link', 'add', state.bridge, 'type', 'bridge']);
  await runOk('ip', ['addr', 'add', `${state.gateway}/24`, 'dev', state.bridge]);
  await runOk('ip', ['link', 'set', state.bridge, 'up']);
  // With br_netfilter loaded, bridged frames traverse FORWARD, whose policy is DROP once any
  // host-level dockerd has run.
  const rule = forwardRule(state.bridge);
  state.iptablesRules.push(rule);
  await writeState(state);
  await runOk('iptables', ['-w', '-I', ...rule]);
}

async function tearDownNetwork(state: TestbedState): Promise<void> {
  for (const rule of state.iptablesRules) await run('iptables', ['-w', '-D', ...rule]);
  await run('ip', ['link', 'del', state.bridge]);
}

/** Adds or replaces a host in the state and writes it to disk. */
async function recordHost(state: TestbedState, host: HostState): Promise<void> {
  const at = state.hosts.findIndex((h) => h.name === host.name);
  if (at === -1) state.hosts.push(host);
  else state.hosts[at] = host;
  await writeState(state);
}

function registryOf(state: TestbedState) {
  if (!state.registry) throw new TestbedError(`testbed ${state.id} has no registry`);
  return state.registry;
}

/**
 * Runs `push` on a server that trusts the registry. On a testbed whose servers do not, the CA is
 * written for the push and removed after (left alone if something else had put it there).
 */
async function withTrust<T>(
  host: HostState,
  registry: RegistryState,
  push: () => Promise<T>,
): Promise<T> {
  if (registry.trusted !== false) return push();
  const had = (await execInHost(host, `test -e ${trustPath(registry.address)}`)).code === 0;
  if (!had) {
    const trust = await execInHost(host, trustCommand(registry.address), {
      input: registry.caCert,
    });
    if (trust.code !== 0) throw new TestbedError(`trusting the registry: ${trust.stderr.trim()}`);
  }
  try {
    return await push();
  } finally {
    if (!had) await execInHost(host, `rm -f ${trustPath(registry.address)}`);
  }
}

function open(state: TestbedState): Testbed {
  const hostByName = (name: string): HostState => {
    const host = state.hosts.find((h) => h.name === name);
    if (!host) {
      throw new TestbedError(
        `no host ${name} in testbed ${state.id} (hosts: ${state.hosts.map((h) => h.name).join(', ')})`,
      );
    }
    return host;
  };
  const record = (host: HostState) => recordHost(state, host);
  let nextIndex = 1;
  let pushing: Promise<TestImages> | undefined;
  const removeHost = async (host: HostState) => {
    await teardownHost(host);
    state.hosts = state.hosts.filter((h) => h.name !== host.name);
    await writeState(state);
  };
  const testbed: Testbed = {
    id: state.id,
    gateway: state.gateway,
    get hosts() {
      return state.hosts.map(publicHost);
    },
    exec: (name, command, options) => execInHost(hostByName(name), command, options),
    stop: (name) => setLink(hostByName(name), false),
    start: (name) => setLink(hostByName(name), true),
    async replaceHostKey(name) {
      const host = hostByName(name);
      await replaceHostKey(host);
      await record(host);
    },
    async authorizeKey(publicKey) {
      const key = publicKey.trim();
      if (!/^(ssh-|ecdsa-)\S+ [A-Za-z0-9+/=]+( .*)?$/.test(key)) {
        throw new TestbedError('authorizeKey: not an OpenSSH public key');
      }
      await saveAuthorizedKeys(state, [...(await authorizedKeysOf(state)), key]);
      await Promise.all(
        state.hosts.map(async (host) => {
          const result = await execInHost(host, 'cat >> /root/.ssh/authorized_keys', {
            input: `${key}\n`,
          });
          if (result.code !== 0)
            throw new TestbedError(`authorizeKey on ${host.name}: ${result.stderr}`);
        }),
      );
    },
    async addHost() {
      // Taken before any await, so hosts added at the same time get distinct indexes.
      const index = Math.max(nextIndex, ...state.hosts.map((h) => h.index + 1));
      nextIndex = index + 1;
      try {
        const host = await startHost(state, index, await authorizedKeysOf(state), record);
        await record(host);
        return publicHost(host);
      } catch (error) {
        const partial = state.hosts.find((h) => h.index === index);
        if (partial) await removeHost(partial).catch(() => {});
        throw error;
      }
    },
    removeHost: (name) => removeHost(hostByName(name)),
    get registry() {
      return registryInfo(registryOf(state));
    },
    get sleeperImage() {
      return imageName(registryOf(state), 'sleeper');
    },
    importImage: (name) => importImage(hostByName(name), registryOf(state)),
    images() {
      const registry = registryOf(state);
      if (registry.images) return Promise.resolve(registry.images);
      pushing ??= (async () => {
        const first = state.hosts[0];
        if (!first) throw new TestbedError('images(): the testbed has no server to build on');
        registry.images = await withTrust(first, registry, () => pushImages(first, registry));
        await writeState(state);
        return registry.images;
      })();
      pushing.catch(() => {
        pushing = undefined;
      });
      return pushing;
    },
    destroy: () => destroyState(state),
  };
  return testbed;
}

/** Starts `hosts` servers in parallel on a fresh bridge and /24. */
export async function createTestbed(options: CreateTestbedOptions): Promise<Testbed> {
  requireRoot();
  if (!Number.isInteger(options.hosts) || options.hosts < 0 || options.hosts > 200) {
    throw new TestbedError('hosts must be an integer between 0 and 200');
  }
  const id = newTestbedId();
  const subnet = await claimSubnet(id);
  const state: TestbedState = {
    id,
    subnet,
    bridge: `ftb-${id}`,
    gateway: `10.201.${subnet}.1`,
    owner: options.ownedByProcess === false ? null : await processRef(process.pid),
    createdAt: new Date().toISOString(),
    iptablesRules: [],
    hosts: [],
    registry: null,
  };
  await writeState(state);
  const testbed = open(state);
  try {
    await saveAuthorizedKeys(
      state,
      (options.authorizedKeys ?? []).map((k) => k.trim()),
    );
    await setUpNetwork(state);
    await startRegistry(
      state,
      { auth: options.registryAuth === true, trusted: options.trustRegistry !== false },
      () => writeState(state),
    );
    const keys = await authorizedKeysOf(state);
    const record = (host: HostState) => recordHost(state, host);
    const results = await Promise.allSettled(
      Array.from({ length: options.hosts }, (_, i) => startHost(state, i + 1, keys, record)),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    state.hosts.sort((a, b) => a.index - b.index);
    await writeState(state);
    return testbed;
  } catch (error) {
    await destroyState(state).catch(() => {});
    throw error;
  }
}

/** Re-opens a running testbed created by another process. */
export async function attachTestbed(id: string): Promise<Testbed> {
  requireRoot();
  const state = await readState(id);
  if (!state) throw new TestbedError(`no testbed ${id}`);
  return open(state);
}

async function destroyState(state: TestbedState): Promise<void> {
  const results = await Promise.allSettled(state.hosts.map(teardownHost));
  await stopRegistry(state.registry);
  await tearDownNetwork(state);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  // A second destroy() finds nothing left to stop.
  state.hosts = [];
  state.iptablesRules = [];
  await releaseSubnet(state.subnet, state.id);
  await settleWrites(state.id);
  await rm(testbedDir(state.id), { recursive: true, force: true });
}

export interface TestbedSummary {
  id: string;
  stale: boolean;
  persistent: boolean;
  createdAt: string;
  hosts: TestbedHost[];
}

export async function listTestbeds(): Promise<TestbedSummary[]> {
  const states = await listStates();
  return Promise.all(
    states.map(async (state) => ({
      id: state.id,
      stale: state.owner !== null && !(await isAlive(state.owner)),
      persistent: state.owner === null,
      createdAt: state.createdAt,
      hosts: state.hosts.map(publicHost),
    })),
  );
}

/**
 * Removes testbeds: all of them, or only those whose creating process is gone. Also clears
 * subnet claims and directories that no testbed state accounts for.
 */
export async function downTestbeds(
  options: { staleOnly: boolean } | { ids: string[] },
): Promise<string[]> {
  requireRoot();
  const removed: string[] = [];
  if ('ids' in options) {
    for (const id of options.ids) {
      const state = await readState(id);
      if (!state) throw new TestbedError(`no testbed ${id} (see \`pnpm testbed list\`)`);
      await destroyState(state);
      removed.push(id);
    }
    return removed;
  }
  for (const summary of await listTestbeds()) {
    if (options.staleOnly && !summary.stale) continue;
    const state = await readState(summary.id);
    if (!state) continue;
    await destroyState(state);
    removed.push(state.id);
  }
  // A testbed being created right now has a claim and a directory a moment before its state:
  // only leftovers older than a minute are orphans.
  const live = new Set((await listStates()).map((s) => s.id));
  const liveIds = async () => new Set((await listStates()).map((s) => s.id));
  await sweepOrphanHosts(liveIds);
  await sweepOrphanRegistries(liveIds);
  await sweepOrphanNetwork(liveIds);
  const old = async (path: string) =>
    Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? Date.now()) > 60_000;
  for (const id of await listTestbedDirs()) {
    const dir = testbedDir(id);
    if (!live.has(id) && (await old(dir)) && (await readdir(dir).catch(() => [])).length === 0) {
      await rm(dir, { recursive: true, force: true });
    }
  }
  for (const claim of await listSubnetClaims()) {
    if (!live.has(claim.id) && (await old(subnetClaimPath(claim.subnet)))) {
      await releaseSubnet(claim.subnet, claim.id);
    }
  }
  return removed;
}

/** Namespaces, bridges and iptables rules named for a testbed that has no state. */
async function sweepOrphanNetwork(liveTestbeds: () => Promise<Set<string>>): Promise<void> {
  const idOf = (name: string) => /^ftb-(t[a-z0-9]{6})(-\d+)?$/.exec(name)?.[1];
  const netns = (await run('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => idOf(name));
  const bridges = (await run('ip', ['-o', 'link', 'show', 'type', 'bridge'])).stdout
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
    .filter((name) => idOf(name));
  const rules = (await run('iptables', ['-w', '-S', 'FORWARD'])).stdout
    .split('\n')
    .map((line) => /^-A FORWARD -i (ftb-\S+) -o \1 -j ACCEPT$/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && idOf(name) !== undefined);
  // Read after listing: a testbed records its state before creating any of these.
  const live = await liveTestbeds();
  const orphan = (name: string) => !live.has(idOf(name) ?? '');
  for (const name of netns.filter(orphan)) await run('ip', ['netns', 'del', name]);
  for (const name of bridges.filter(orphan)) await run('ip', ['link', 'del', name]);
  for (const name of rules.filter(orphan)) {
    await run('iptables', ['-w', '-D', ...forwardRule(name)]);
  }
}

export async function findHost(name: string): Promise<{ testbed: Testbed; host: TestbedHost }> {
  for (const state of await listStates()) {
    const host = state.hosts.find((h) => h.name === name);
    if (host) return { testbed: open(state), host: publicHost(host) };
  }
  throw new TestbedError(`no testbed host named ${name} (see \`pnpm testbed list\`)`);
}
