// A real container registry for the testbed: Debian's `docker-registry` (CNCF distribution 2.8)
// serving TLS on the bridge's gateway address, so the servers pull and push exactly as they would
// against a private registry in production. Its certificate is self-signed with that address in
// subjectAltName; every server trusts it through /etc/docker/certs.d/<address>/ca.crt (read by
// dockerd at pull time, no restart). Optional basic auth (htpasswd) tests registry credentials.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { runOk, TestbedError } from './command.ts';
import { isAlive, processRef, signal, waitFor } from './processes.ts';
import { type RegistryState, stateRoot, type TestbedState, testbedDir } from './state.ts';

export const registryPort = 5443;

/** What a test needs to use the registry: where it is, how to log in, which CA to trust. */
export interface TestbedRegistry {
  /** "10.201.x.1:5443", the prefix of every image name in it. */
  address: string;
  username?: string;
  password?: string;
  /** PEM of the self-signed certificate the registry serves (its own CA). */
  caCert: string;
  /** Whether the servers were made to trust it (`trustRegistry`, default true). */
  trusted: boolean;
}

function registryDir(testbedId: string): string {
  return join(testbedDir(testbedId), 'registry');
}

function configText(dir: string, listen: string, auth: boolean): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${listen}`,
    '  tls:',
    `    certificate: ${join(dir, 'cert.pem')}`,
    `    key: ${join(dir, 'key.pem')}`,
    ...(auth
      ? [
          'auth:',
          '  htpasswd:',
          '    realm: flotilla-testbed',
          `    path: ${join(dir, 'htpasswd')}`,
        ]
      : []),
    '',
  ].join('\n');
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 500 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Writes the certificate, config and (with auth) htpasswd, starts the registry and waits until
 * it accepts connections. The state is recorded before the process starts, so a crash half-way
 * still leaves enough for teardown.
 */
export async function startRegistry(
  state: TestbedState,
  options: { auth: boolean; trusted: boolean },
  record: () => Promise<void>,
): Promise<RegistryState> {
  const dir = registryDir(state.id);
  await mkdir(join(dir, 'data'), { recursive: true });
  const registry: RegistryState = {
    address: `${state.gateway}:${registryPort}`,
    dir,
    process: null,
    username: options.auth ? 'flotilla' : null,
    password: options.auth ? randomBytes(12).toString('base64url') : null,
    caCert: '',
    trusted: options.trusted,
    images: null,
  };
  state.registry = registry;
  await record();
  await runOk('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '30',
    '-subj',
    '/CN=flotilla-testbed-registry',
    '-addext',
    `subjectAltName=IP:${state.gateway}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
  registry.caCert = await readFile(join(dir, 'cert.pem'), 'utf8');
  if (registry.username && registry.password) {
    const hash = await bcrypt.hash(registry.password, 6);
    await writeFile(join(dir, 'htpasswd'), `${registry.username}:${hash}\n`, { mode: 0o600 });
  }
  await writeFile(
    join(dir, 'config.yml'),
    configText(dir, `${state.gateway}:${registryPort}`, options.auth),
  );
  const log = await open(join(dir, 'registry.log'), 'a');
  try {
    const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
    child.unref();
    if (child.pid === undefined) throw new TestbedError('could not start docker-registry');
    registry.process = await processRef(child.pid);
  } finally {
    await log.close();
  }
  await record();
  const up = await waitFor(async () => {
    if (!(await isAlive(registry.process))) return true;
    return portOpen(state.gateway, registryPort);
  }, 20_000);
  if (!up || !(await isAlive(registry.process))) {
    const why = await readFile(join(dir, 'registry.log'), 'utf8').catch(() => '');
    throw new TestbedError(`the testbed registry did not start: ${why.trim().slice(-500)}`);
  }
  return registry;
}

export function registryInfo(registry: RegistryState): TestbedRegistry {
  return {
    address: registry.address,
    ...(registry.username ? { username: registry.username } : {}),
    ...(registry.password ? { password: registry.password } : {}),
    caCert: registry.caCert,
    trusted: registry.trusted !== false,
  };
}

/** Where a server's dockerd looks for the registry's CA. */
export function trustPath(address: string): string {
  // The address holds only digits, dots and a colon (a gateway IP and port): safe unquoted.
  if (!/^[0-9.]+:\d+$/.test(address)) throw new TestbedError(`bad registry address ${address}`);
  return `/etc/docker/certs.d/${address}/ca.crt`;
}

/** The shell command that makes a server trust the registry (run inside the server). */
export function trustCommand(address: string): string {
  return `mkdir -p /etc/docker/certs.d/${address} && cat > ${trustPath(address)}`;
}

export async function stopRegistry(registry: RegistryState | null | undefined): Promise<void> {
  const ref = registry?.process;
  if (!ref || !(await isAlive(ref))) return;
  signal(ref.pid, 'SIGTERM');
  if (!(await waitFor(async () => !(await isAlive(ref)), 5_000, 50))) {
    signal(ref.pid, 'SIGKILL');
    await waitFor(async () => !(await isAlive(ref)), 5_000, 50);
  }
}

/**
 * Registries whose testbed has no state any more, found by their config path under the state
 * directory; stopped like any other leftover of a testbed.
 */
export async function sweepOrphanRegistries(
  liveTestbeds: () => Promise<ReadonlySet<string>>,
): Promise<void> {
  const prefix = join(stateRoot, 'testbeds');
  const found: { id: string; pid: number }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!argv[0]?.endsWith('docker-registry') || argv[1] !== 'serve') continue;
    const config = argv[2] ?? '';
    if (!config.startsWith(`${prefix}/`)) continue;
    const id = config.slice(prefix.length + 1).split('/')[0];
    if (id) found.push({ id, pid: Number(entry) });
  }
  // Read after listing: a testbed records its state before starting its registry.
  const live = await liveTestbeds();
  for (const orphan of found.filter((f) => !live.has(f.id))) {
    await stopRegistry({
      address: '',
      dir: '',
      process: await processRef(orphan.pid),
      username: null,
      password: null,
      caCert: '',
      images: null,
    });
  }
}
