// Kubernetes (k3s) steps. The binary comes from a configurable source: the official installer
// URL, or an artifact uploaded over SFTP (air-gapped servers, and the stand-in in tests).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { maskSecrets, secret, sh } from '@flotilla/ssh';
import {
  checkToken,
  type K3sService,
  killallScript,
  serviceLog,
  serviceRunning,
  startService,
  uninstallScript,
} from './k3s-service.ts';
import {
  BootstrapError,
  checkAddress,
  type Remote,
  type RemoteWithUpload,
  runStep,
  type StepResult,
  waitUntil,
} from './remote.ts';

export type K3sSource =
  | {
      kind: 'url';
      /** The installer script, e.g. https://get.k3s.io */
      url: string;
      /** INSTALL_K3S_VERSION, e.g. v1.31.4+k3s1; the installer's default channel when absent. */
      version?: string;
    }
  | {
      kind: 'artifact';
      /** Local path of the k3s binary to upload. */
      path: string;
    };

export interface K3sNode {
  name: string;
  ready: boolean;
  roles: string[];
  address: string;
  unschedulable: boolean;
  labels: Record<string, string>;
}

const binary = '/usr/local/bin/k3s';
const kubeconfigPath = '/etc/rancher/k3s/k3s.yaml';
const serverTokenPath = '/var/lib/rancher/k3s/server/token';
const nodeNamePattern = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;

function checkNodeName(name: string): string {
  if (!nodeNamePattern.test(name)) {
    throw new BootstrapError(
      `nodeName: not a valid Kubernetes node name: ${JSON.stringify(name)}`,
      'invalid',
    );
  }
  return name;
}

function checkInstallerUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BootstrapError(`source.url: not a URL: ${JSON.stringify(url)}`, 'invalid');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new BootstrapError('source.url: must be http(s)', 'invalid');
  }
  return parsed.toString();
}

async function installedSha256(remote: Remote): Promise<string | null> {
  const result = await remote.run(sh`sha256sum ${binary}`, { label: 'k3s.checksum' });
  return result.code === 0 ? (result.stdout.split(/\s+/)[0] ?? null) : null;
}

/** Puts the k3s binary (and its killall/uninstall scripts) on the server, unless already there. */
export async function installK3s(
  remote: RemoteWithUpload,
  options: { source: K3sSource; timeoutMs?: number },
): Promise<StepResult> {
  const { source } = options;
  if (source.kind === 'artifact') {
    const bytes = await readFile(source.path).catch(() => {
      throw new BootstrapError(`source.path: cannot read ${source.path}`, 'invalid');
    });
    const wanted = createHash('sha256').update(bytes).digest('hex');
    const scripts = await remote.run(
      'test -x /usr/local/bin/k3s-killall.sh && test -x /usr/local/bin/k3s-uninstall.sh',
      { label: 'k3s.scripts' },
    );
    if ((await installedSha256(remote)) === wanted && scripts.code === 0) return { changed: false };
    // Upload beside the target and rename: a running k3s keeps its (old) binary intact.
    await runStep(remote, 'k3s.prepare', 'mkdir -p /usr/local/bin');
    await remote.upload(bytes, `${binary}.flotilla-upload`, 0o755);
    await remote.upload(Buffer.from(killallScript), '/usr/local/bin/k3s-killall.sh', 0o755);
    await remote.upload(Buffer.from(uninstallScript), '/usr/local/bin/k3s-uninstall.sh', 0o755);
    await runStep(remote, 'k3s.install', sh`mv -f ${`${binary}.flotilla-upload`} ${binary}`);
    return { changed: true };
  }
  const url = checkInstallerUrl(source.url);
  if (source.version !== undefined && !/^v[0-9A-Za-z.+-]+$/.test(source.version)) {
    throw new BootstrapError(
      'source.version: expected a k3s version such as v1.31.4+k3s1',
      'invalid',
    );
  }
  const present = await remote.run(sh`${binary} --version`, { label: 'k3s.version' });
  if (present.code === 0 && (!source.version || present.stdout.includes(source.version))) {
    return { changed: false };
  }
  const env = [
    'INSTALL_K3S_SKIP_START=true',
    'INSTALL_K3S_SKIP_ENABLE=true',
    ...(source.version ? [sh`INSTALL_K3S_VERSION=${source.version}`] : []),
  ].join(' ');
  // Downloaded to a file first: with `curl | sh` a failed download would go unnoticed (POSIX
  // sh has no pipefail).
  const script = [
    'installer=$(mktemp)',
    sh`if curl -sfL ${url} -o "$installer" || wget -qO "$installer" ${url}; then`,
    `  ${env} sh "$installer"; rc=$?`,
    'else',
    '  echo "could not download the k3s installer" >&2; rc=1',
    'fi',
    'rm -f "$installer"',
    'exit $rc',
  ].join('\n');
  await runStep(remote, 'k3s.install', script, { timeoutMs: options.timeoutMs ?? 600_000 });
  return { changed: true };
}

async function apiAnswers(remote: Remote): Promise<boolean> {
  const result = await remote.run(sh`${binary} kubectl get nodes -o json`, {
    label: 'k3s.api',
    timeoutMs: 15_000,
  });
  return result.code === 0;
}

async function waitForService(
  remote: Remote,
  name: K3sService,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  await waitUntil(
    what,
    async () => {
      if (await check()) return true;
      if (!(await serviceRunning(remote, name))) {
        throw new BootstrapError(
          maskSecrets(`${what}: k3s stopped: ${await serviceLog(remote, name)}`),
        );
      }
      return false;
    },
    timeoutMs,
    1_000,
  );
}

/** Starts the first server (`--cluster-init`) and waits until its API answers. */
export async function k3sServerInit(
  remote: Remote,
  options: { token: string; nodeName: string; advertiseAddr: string; timeoutMs?: number },
): Promise<StepResult> {
  const nodeName = checkNodeName(options.nodeName);
  const addr = checkAddress('advertiseAddr', options.advertiseAddr);
  checkToken(options.token);
  secret(options.token);
  let changed = false;
  if (!(await serviceRunning(remote, 'k3s'))) {
    const args = ['server', '--cluster-init', '--node-name', nodeName];
    await startService(
      remote,
      'k3s',
      [...args, '--advertise-address', addr, '--node-ip', addr],
      options.token,
    );
    changed = true;
  }
  await waitForService(
    remote,
    'k3s',
    'k3s.server-init',
    () => apiAnswers(remote),
    options.timeoutMs ?? 180_000,
  );
  return { changed };
}

/**
 * The token others join with, as the first server wrote it: k3s's secure form
 * `K10<CA hash>::server:<password>`, so a joining node checks the server's CA against the hash
 * before it sends the password (a bare password would make it trust whatever CA it is shown).
 * The first server itself can only start with the bare password: its CA does not exist before.
 */
export async function k3sJoinToken(server: Remote): Promise<string> {
  const token = (await runStep(server, 'k3s.token', sh`cat ${serverTokenPath}`)).trim();
  if (!/^K10[0-9a-f]{64}::[^:\s]+:\S+$/.test(token)) {
    throw new BootstrapError(`k3s.token: ${serverTokenPath} does not hold a secure k3s token`);
  }
  secret(token);
  return token;
}

/**
 * Joins a server or agent to the cluster at serverAddr, then waits until it has joined (its
 * kubelet certificate exists). Already running: skipped.
 */
export async function k3sJoin(
  remote: Remote,
  options: {
    role: 'server' | 'agent';
    serverAddr: string;
    token: string;
    nodeName: string;
    advertiseAddr: string;
    timeoutMs?: number;
  },
): Promise<StepResult> {
  const server = checkAddress('serverAddr', options.serverAddr);
  const addr = checkAddress('advertiseAddr', options.advertiseAddr);
  const nodeName = checkNodeName(options.nodeName);
  checkToken(options.token);
  secret(options.token);
  const service: K3sService = options.role === 'server' ? 'k3s' : 'k3s-agent';
  let changed = false;
  if (!(await serviceRunning(remote, service))) {
    const url = `https://${server}:6443`;
    const args =
      options.role === 'server'
        ? [
            'server',
            '--server',
            url,
            '--node-name',
            nodeName,
            '--advertise-address',
            addr,
            '--node-ip',
            addr,
          ]
        : ['agent', '--server', url, '--node-name', nodeName, '--node-ip', addr];
    await startService(remote, service, args, options.token);
    changed = true;
  }
  await waitForService(
    remote,
    service,
    `k3s.join-${options.role}`,
    async () =>
      (
        await remote.run('test -e /var/lib/rancher/k3s/agent/client-kubelet.crt', {
          label: 'k3s.joined',
        })
      ).code === 0,
    options.timeoutMs ?? 180_000,
  );
  return { changed };
}

interface NodeJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
  };
}

/** Nodes as a server sees them (`k3s kubectl get nodes -o json`). */
export async function k3sNodes(server: Remote): Promise<K3sNode[]> {
  const out = await runStep(server, 'k3s.nodes', sh`${binary} kubectl get nodes -o json`, {
    timeoutMs: 30_000,
  });
  return ((JSON.parse(out) as { items: NodeJson[] }).items ?? []).map((node) => {
    const labels = node.metadata.labels ?? {};
    return {
      name: node.metadata.name,
      ready:
        node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      roles: Object.keys(labels)
        .filter((key) => key.startsWith('node-role.kubernetes.io/'))
        .map((key) => key.slice('node-role.kubernetes.io/'.length))
        .sort(),
      address: node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
      unschedulable: node.spec?.unschedulable === true,
      labels,
    };
  });
}

/** The admin kubeconfig with its server address pointed at serverAddr. Contains credentials. */
export async function k3sKubeconfig(
  server: Remote,
  options: { serverAddr: string },
): Promise<string> {
  const addr = checkAddress('serverAddr', options.serverAddr);
  const host = addr.includes(':') ? `[${addr}]` : addr;
  const text = await runStep(server, 'k3s.kubeconfig', sh`cat ${kubeconfigPath}`);
  if (!/server: https:\/\/127\.0\.0\.1:6443/.test(text)) {
    throw new BootstrapError('k3s.kubeconfig: unexpected kubeconfig (no local server address)');
  }
  return text.replace(/server: https:\/\/127\.0\.0\.1:6443/g, `server: https://${host}:6443`);
}

async function findNode(server: Remote, nodeName: string): Promise<K3sNode | undefined> {
  return (await k3sNodes(server)).find((node) => node.name === checkNodeName(nodeName));
}

/** Pods a drain would evict from the node: running or pending there, not a DaemonSet's. */
async function evictablePods(server: Remote, nodeName: string): Promise<number> {
  const out = await runStep(server, 'k3s.pods', sh`${binary} kubectl get pods -A -o json`, {
    timeoutMs: 30_000,
  });
  const pods = (JSON.parse(out) as { items?: PodJson[] }).items ?? [];
  return pods.filter(
    (pod) =>
      pod.spec?.nodeName === nodeName &&
      pod.status?.phase !== 'Succeeded' &&
      pod.status?.phase !== 'Failed' &&
      !pod.metadata?.ownerReferences?.some((owner) => owner.kind === 'DaemonSet'),
  ).length;
}

interface PodJson {
  metadata?: { ownerReferences?: { kind: string }[] };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

/**
 * Cordons the node and evicts its pods. Gone, or cordoned with nothing left to evict: nothing to
 * do. A node only cordoned (k3sCordon) keeps its pods, so it is drained all the same.
 */
export async function k3sDrain(
  server: Remote,
  nodeName: string,
  options: { timeoutMs?: number } = {},
): Promise<StepResult> {
  const node = await findNode(server, nodeName);
  if (!node) return { changed: false };
  if (node.unschedulable && (await evictablePods(server, nodeName)) === 0) {
    return { changed: false };
  }
  const seconds = Math.ceil((options.timeoutMs ?? 120_000) / 1000);
  await runStep(
    server,
    'k3s.drain',
    sh`${binary} kubectl drain ${nodeName} --ignore-daemonsets --delete-emptydir-data --force ${`--timeout=${seconds}s`}`,
    { timeoutMs: (seconds + 15) * 1000 },
  );
  return { changed: true };
}

/**
 * Cordons (`unschedulable`: no new pods, running ones stay) or uncordons the node, unless it is
 * so already.
 */
export async function k3sCordon(
  server: Remote,
  nodeName: string,
  unschedulable: boolean,
): Promise<StepResult> {
  const node = await findNode(server, nodeName);
  if (!node) throw new BootstrapError(`k3s: no node ${nodeName} in this cluster`, 'notFound');
  if (node.unschedulable === unschedulable) return { changed: false };
  await runStep(
    server,
    unschedulable ? 'k3s.cordon' : 'k3s.uncordon',
    sh`${binary} kubectl ${unschedulable ? 'cordon' : 'uncordon'} ${nodeName}`,
  );
  return { changed: true };
}

export async function k3sDeleteNode(server: Remote, nodeName: string): Promise<StepResult> {
  if (!(await findNode(server, nodeName))) return { changed: false };
  await runStep(server, 'k3s.delete-node', sh`${binary} kubectl delete node ${nodeName}`);
  return { changed: true };
}

export async function k3sLabelNode(
  server: Remote,
  nodeName: string,
  labels: Record<string, string>,
): Promise<StepResult> {
  const node = await findNode(server, nodeName);
  if (!node) throw new BootstrapError(`k3s.label: no node ${nodeName}`);
  const missing = Object.entries(labels).filter(([key, value]) => node.labels[key] !== value);
  if (missing.length === 0) return { changed: false };
  for (const [key, value] of missing) {
    if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/.test(key)) {
      throw new BootstrapError(`labels: invalid label key ${JSON.stringify(key)}`, 'invalid');
    }
    if (!/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/.test(value)) {
      throw new BootstrapError(`labels: invalid value for ${key}`, 'invalid');
    }
  }
  const pairs = missing.map(([key, value]) => `${key}=${value}`);
  await runStep(
    server,
    'k3s.label',
    sh`${binary} kubectl label node ${nodeName} ${pairs} --overwrite`,
  );
  return { changed: true };
}

/** Stops k3s and removes it with its data (the installer's uninstall script). */
export async function k3sUninstall(remote: Remote): Promise<StepResult> {
  const script =
    'if [ -x /usr/local/bin/k3s-uninstall.sh ]; then /usr/local/bin/k3s-uninstall.sh; ' +
    'elif [ -x /usr/local/bin/k3s-agent-uninstall.sh ]; then /usr/local/bin/k3s-agent-uninstall.sh; ' +
    'else exit 3; fi';
  const result = await remote.run(script, { label: 'k3s.uninstall', timeoutMs: 120_000 });
  if (result.code === 3) return { changed: false };
  if (result.code !== 0) {
    throw new BootstrapError(
      `k3s.uninstall exited with ${result.code}: ${result.stderr.trim().slice(-500)}`,
    );
  }
  return { changed: true };
}
