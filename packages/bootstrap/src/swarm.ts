// Docker Swarm steps. Each looks at the server's current state first, so running a step twice
// (a retried or resumed job) changes nothing the second time.
import { CommandError, secret, sh } from '@flotilla/ssh';
import {
  BootstrapError,
  checkAddress,
  type Remote,
  runStep,
  type StepResult,
  waitUntil,
} from './remote.ts';

export interface SwarmInfo {
  /** inactive | pending | active | error | locked */
  state: string;
  nodeId: string;
  isManager: boolean;
  clusterId: string | null;
  /** "addr:port" of the managers this node knows. */
  managers: string[];
}

export interface SwarmNode {
  id: string;
  hostname: string;
  /** ready | down | unknown | disconnected */
  status: string;
  /** active | pause | drain */
  availability: string;
  role: 'manager' | 'worker';
  leader: boolean;
  /** Manager reachability (reachable | unreachable), null for workers. */
  reachability: string | null;
  address: string;
  labels: Record<string, string>;
}

export interface JoinTokens {
  worker: string;
  manager: string;
}

const nodeIdPattern = /^[a-z0-9]{25}$/;
const labelKey = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkNodeId(id: string): string {
  if (!nodeIdPattern.test(id))
    throw new BootstrapError(`nodeId: not a Swarm node id: ${JSON.stringify(id)}`);
  return id;
}

function parseSwarmInfo(json: string): SwarmInfo {
  const swarm = JSON.parse(json) as {
    LocalNodeState?: string;
    NodeID?: string;
    ControlAvailable?: boolean;
    Cluster?: { ID?: string } | null;
    RemoteManagers?: { Addr?: string }[] | null;
  };
  return {
    state: swarm.LocalNodeState ?? 'inactive',
    nodeId: swarm.NodeID ?? '',
    isManager: swarm.ControlAvailable === true,
    clusterId: swarm.Cluster?.ID || null,
    managers: (swarm.RemoteManagers ?? []).map((m) => m.Addr ?? '').filter(Boolean),
  };
}

async function swarmInfo(remote: Remote): Promise<SwarmInfo> {
  const out = await runStep(remote, 'swarm.info', sh`docker info --format ${'{{json .Swarm}}'}`, {
    timeoutMs: 20_000,
  });
  return parseSwarmInfo(out);
}

export interface SwarmInitResult extends StepResult {
  nodeId: string;
  /** With `joinTokens: true`: the tokens, read in the same command. */
  tokens?: JoinTokens;
  /** With `ready`: the manager itself, Ready and labelled, read in the same command. */
  node?: SwarmNode;
}

/** Exit status of the step scripts below when the server is in a state they must not touch. */
const refused = 3;
/** Exit status of a readiness wait that ran out of time (its last state on stderr). */
const notReady = 4;

function checkLabels(labels: Record<string, string> = {}): [string, string][] {
  return Object.entries(labels).map(([key, value]) => {
    if (!labelKey.test(key))
      throw new BootstrapError(`labels: invalid label key ${JSON.stringify(key)}`, 'invalid');
    return [key, value];
  });
}

/**
 * Shell lines that wait on a manager until a node is Ready, add the labels it lacks, and print
 * the node as JSON on the last line. `nodeRef` is shell-safe as it stands: a checked node id, or
 * `"$id"`. One `docker node inspect` per check reads the state, whether the labels are there
 * already (Go template; values as Go string literals) and the node itself.
 */
function readyLines(nodeRef: string, labels: [string, string][], timeoutMs: number): string[] {
  const node = sh.raw(nodeRef);
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const labelled = labels.length
    ? `and ${labels.map(([key, value]) => `(eq (index .Spec.Labels "${key}") ${JSON.stringify(value)})`).join(' ')}`
    : 'true';
  const format = `{{.Status.State}} {{if ${labelled}}}labelled{{else}}unlabelled{{end}} {{json .}}`;
  return [
    `end=$(($(date +%s) + ${seconds}))`,
    sh`until out=$(docker node inspect --format ${format} ${node} 2>/dev/null) && [ "\${out%% *}" = ready ]; do`,
    `  if [ "$(date +%s)" -ge "$end" ]; then s=\${out%% *}; echo "\${s:-unlisted}" >&2; exit ${notReady}; fi`,
    '  sleep 0.2',
    'done',
    `rest=\${out#* }`,
    labels.length
      ? sh`[ "\${rest%% *}" = labelled ] || docker node update ${labels.flatMap(([key, value]) => ['--label-add', `${key}=${value}`])} ${node} >/dev/null`
      : 'true',
    `printf '%s\\n' "\${rest#* }"`,
  ];
}

function notReadyError(nodeId: string, state: string, timeoutMs: number): BootstrapError {
  return new BootstrapError(
    state === 'unlisted'
      ? `the managers did not list node ${nodeId} within ${timeoutMs} ms`
      : `node ${nodeId} was still ${state}, not Ready, after ${timeoutMs} ms`,
    'commandTimedOut',
  );
}

function readTokens(lines: readonly string[]): JoinTokens {
  const [worker, manager] = lines.map((line) => line.trim());
  if (!worker?.startsWith('SWMTKN-') || !manager?.startsWith('SWMTKN-')) {
    throw new BootstrapError('swarm.join-token: the manager printed no join tokens');
  }
  secret(worker);
  secret(manager);
  return { worker, manager };
}

const tokensCommand = 'docker swarm join-token -q worker && docker swarm join-token -q manager';

/**
 * Makes this server the first manager, or confirms it already manages a swarm. One command:
 * the init (or, refused, the state check), the node id, (optionally) both join tokens and
 * (optionally) the wait for this manager to be Ready with its labels, so forming a swarm costs
 * one round trip.
 */
export async function swarmInit(
  remote: Remote,
  options: {
    advertiseAddr: string;
    joinTokens?: boolean;
    ready?: { labels?: Record<string, string>; timeoutMs: number };
  },
): Promise<SwarmInitResult> {
  const addr = checkAddress('advertiseAddr', options.advertiseAddr);
  const labels = checkLabels(options.ready?.labels);
  // The init is tried first (it is what a new cluster needs, and every docker command costs the
  // first manager time while fifty others wait for it); a server in a swarm refuses it and is
  // then looked at.
  const script = [
    'set -e',
    sh`if out=$(docker swarm init --advertise-addr ${addr} 2>&1); then`,
    // "Swarm initialized: current node (<id>) is now a manager." — saves asking for the id.
    `  id=$(printf '%s' "$out" | sed -n 's/.*current node (\\([a-z0-9]*\\)).*/\\1/p')`,
    sh`  [ -n "$id" ] || id=$(docker info --format ${'{{.Swarm.NodeID}}'})`,
    '  echo changed; echo "$id"',
    'else',
    `  case "$out" in *"already part of a swarm"*) ;; *) printf '%s\\n' "$out" >&2; exit 1 ;; esac`,
    sh`  state=$(docker info --format ${'{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeID}}'})`,
    '  case "$state" in',
    `    "active true "*) id=\${state##* }; echo unchanged; echo "$id" ;;`,
    `    *) echo "$state" >&2; exit ${refused} ;;`,
    '  esac',
    'fi',
    ...(options.joinTokens ? [tokensCommand] : []),
    ...(options.ready ? readyLines('"$id"', labels, options.ready.timeoutMs) : []),
  ].join('\n');
  const result = await remote.run(script, {
    label: 'swarm.init',
    timeoutMs: 60_000 + (options.ready?.timeoutMs ?? 0),
  });
  if (result.code === refused) {
    const state = result.stderr.trim();
    throw new BootstrapError(
      state.startsWith('active ')
        ? 'swarm.init: this server is already a worker in another swarm'
        : `swarm.init: the server's swarm is ${state || 'in an unknown state'}`,
    );
  }
  const [outcome, nodeId = '', ...rest] = result.stdout.trim().split('\n');
  if (result.code === notReady && options.ready) {
    throw notReadyError(nodeId.trim(), result.stderr.trim(), options.ready.timeoutMs);
  }
  if (result.code !== 0) throw new CommandError('swarm.init', result.code, result.stderr);
  const node = options.ready ? readyNode(rest.pop() ?? '', labels) : undefined;
  return {
    changed: outcome === 'changed',
    nodeId: checkNodeId(nodeId.trim()),
    ...(options.joinTokens ? { tokens: readTokens(rest) } : {}),
    ...(node ? { node } : {}),
  };
}

/** The node as the readiness wait printed it, read before its labels were added. */
function readyNode(json: string, labels: [string, string][]): SwarmNode {
  const node = toSwarmNode(JSON.parse(json) as NodeInspect);
  return { ...node, labels: { ...node.labels, ...Object.fromEntries(labels) } };
}

export interface SwarmJoinResult extends StepResult {
  nodeId: string;
}

/** How long a join Docker left going on in the background may take to finish. */
const joinWaitMs = 120_000;

/**
 * Joins the swarm managed at managerAddr (role decided by the token). A server already active
 * in that swarm is left alone; one active in another swarm is an error, not silently moved.
 * One command: the join, and the state and node id it ended in. A manager too busy to finish
 * the join within Docker's own wait ("Timeout was reached before node joined … will continue in
 * the background") is waited for, as is a join an earlier attempt left pending, not failed.
 */
export async function swarmJoin(
  remote: Remote,
  options: { token: string; managerAddr: string; advertiseAddr: string },
): Promise<SwarmJoinResult> {
  const manager = checkAddress('managerAddr', options.managerAddr);
  const addr = checkAddress('advertiseAddr', options.advertiseAddr);
  if (!/^SWMTKN-[A-Za-z0-9-]+$/.test(options.token)) {
    throw new BootstrapError('token: not a Swarm join token', 'invalid');
  }
  const seconds = Math.ceil(joinWaitMs / 1000);
  // Two docker commands when all goes well, as a join typed by hand: the join itself (a server
  // already in a swarm refuses it, and is then looked at), and the state it ended in.
  const script = [
    'set -e',
    sh`if out=$(docker swarm join --token ${secret(options.token)} --advertise-addr ${addr} ${`${manager}:2377`} 2>&1); then`,
    '  echo joined',
    'else',
    '  case "$out" in',
    '    *"continue in the background"*) echo joined ;;',
    '    *"already part of a swarm"*) echo member ;;',
    '    *) printf \'%s\\n\' "$out" >&2; exit 1 ;;',
    '  esac',
    'fi',
    `end=$(($(date +%s) + ${seconds}))`,
    'while :; do',
    sh`  info=$(docker info --format ${'{{.Swarm.LocalNodeState}} {{json .Swarm}}'})`,
    `  [ "\${info%% *}" = pending ] || break`,
    `  if [ "$(date +%s)" -ge "$end" ]; then echo "the join was still pending after ${seconds} s" >&2; exit 1; fi`,
    '  sleep 0.5',
    'done',
    `printf '%s\\n' "\${info#* }"`,
  ].join('\n');
  const out = await runStep(remote, 'swarm.join', script, {
    timeoutMs: 90_000 + joinWaitMs,
    secrets: [options.token],
  });
  const [outcome = '', json = '{}'] = out.trim().split('\n');
  const info = parseSwarmInfo(json);
  if (outcome === 'joined') {
    if (info.state !== 'active') {
      throw new BootstrapError(`swarm.join: the server's swarm is ${info.state} after joining`);
    }
    return { changed: true, nodeId: info.nodeId };
  }
  if (info.state !== 'active') {
    throw new BootstrapError(`swarm.join: the server's swarm is ${info.state}`);
  }
  // Every member lists the swarm's managers, so the given manager's address identifies it.
  if (!info.managers.some((m) => m.split(':')[0] === manager)) {
    throw new BootstrapError(
      `swarm.join: this server is already in another swarm (managers ${info.managers.join(', ')})`,
    );
  }
  return { changed: false, nodeId: info.nodeId };
}

interface NodeInspect {
  ID: string;
  Spec: {
    Labels?: Record<string, string> | null;
    Role: 'manager' | 'worker';
    Availability: string;
  };
  Description: { Hostname: string };
  Status: { State: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

function toSwarmNode(node: NodeInspect): SwarmNode {
  return {
    id: node.ID,
    hostname: node.Description.Hostname,
    status: node.Status.State,
    availability: node.Spec.Availability,
    role: node.Spec.Role,
    leader: node.ManagerStatus?.Leader === true,
    reachability: node.ManagerStatus?.Reachability ?? null,
    address: node.Status.Addr ?? '',
    labels: node.Spec.Labels ?? {},
  };
}

/** The manager's view of every node. */
export async function swarmNodes(manager: Remote): Promise<SwarmNode[]> {
  const out = await runStep(
    manager,
    'swarm.nodes',
    'ids=$(docker node ls -q) && docker node inspect $ids',
    { timeoutMs: 30_000 },
  );
  return (JSON.parse(out) as NodeInspect[]).map(toSwarmNode);
}

/**
 * Waits on the manager until it reports the node Ready, then adds the labels it lacks; one
 * command, polling on the manager itself (no round trip per check). Resolves to the node.
 */
export async function swarmNodeReady(
  manager: Remote,
  nodeId: string,
  options: { labels?: Record<string, string>; timeoutMs: number },
): Promise<SwarmNode> {
  checkNodeId(nodeId);
  const labels = checkLabels(options.labels);
  const script = ['set -e', ...readyLines(nodeId, labels, options.timeoutMs)].join('\n');
  const result = await manager.run(script, {
    label: 'swarm.node-ready',
    timeoutMs: options.timeoutMs + 30_000,
  });
  if (result.code === notReady) {
    throw notReadyError(nodeId, result.stderr.trim(), options.timeoutMs);
  }
  if (result.code !== 0) throw new CommandError('swarm.node-ready', result.code, result.stderr);
  return readyNode(result.stdout, labels);
}

export interface SwarmNodeState {
  id: string;
  hostname: string;
  /** ready | down | unknown | disconnected (lower case, as in SwarmNode) */
  status: string;
  role: 'manager' | 'worker';
}

export interface ReadyRead {
  /** Every node the manager lists, as `docker node ls` reports it. */
  nodes: SwarmNodeState[];
  /**
   * The wanted nodes that are Ready and, by the time this returns, carry their labels (every
   * wanted node listed carries them by then, Ready or not).
   */
  ready: SwarmNodeState[];
}

/**
 * One look at the whole swarm for many nodes waiting to be Ready: `docker node ls` (a single
 * list request to the manager) and, in the same command, the labels of the wanted nodes it
 * lists; those still lacking labels are labelled in one more command. A caller with fifty
 * nodes joining reads them all at once instead of running fifty waits on the manager. A node is
 * labelled as soon as the manager lists it, Ready or not yet: the label's Raft write then
 * overlaps the node's way to Ready instead of following it (measured on 5 nodes: Ready came
 * 1.4 s after the join with labels written after Ready, the script's 0.4 s).
 */
export async function swarmReadyNodes(
  manager: Remote,
  wanted: readonly { nodeId: string; labels?: Record<string, string> }[],
): Promise<ReadyRead> {
  const checked = wanted.map((w) => ({
    nodeId: checkNodeId(w.nodeId),
    labels: checkLabels(w.labels),
  }));
  const format = `{{.ID}} {{.Status}} {{if .ManagerStatus}}manager{{else}}worker{{end}} {{.Hostname}}`;
  const script = [
    'set -e',
    sh`ls=$(docker node ls --format ${format})`,
    `printf '%s\n' "$ls" --`,
    // The labels of the wanted ones listed (ids are checked: safe unquoted in patterns).
    'listed=',
    `for id in ${checked.map((w) => w.nodeId).join(' ')}; do`,
    `  case "$ls" in *"$id "*) listed="$listed $id" ;; esac`,
    'done',
    // A node removed in between is only left out of this read.
    `if [ -n "$listed" ]; then docker node inspect --format '{{.ID}} {{json .Spec.Labels}}' $listed 2>/dev/null || true; fi`,
  ].join('\n');
  const out = await runStep(manager, 'swarm.nodes-ready', script, { timeoutMs: 30_000 });
  const [listing = '', labelLines = ''] = out.split(/^--$/m);
  const nodes = listing
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((parts) => parts.length >= 4)
    .map(([id = '', status = '', role, hostname = '']) => ({
      id,
      hostname,
      status: status.toLowerCase(),
      role: role === 'manager' ? ('manager' as const) : ('worker' as const),
    }));
  const present = new Map<string, Record<string, string>>();
  for (const line of labelLines.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    present.set(line.slice(0, space), JSON.parse(line.slice(space + 1)) ?? {});
  }
  const lacking = checked.filter(
    (w) => present.has(w.nodeId) && w.labels.some(([k, v]) => present.get(w.nodeId)?.[k] !== v),
  );
  if (lacking.length > 0) {
    // One command for all of them. Each update is a Raft write of its own; sent one after
    // another, ten of them on a busy manager took 10–20 s, holding every other node's Ready
    // back. Sent together, the manager commits them together.
    await runStep(
      manager,
      'swarm.label',
      [
        'pids=',
        ...lacking.map(
          (w) =>
            sh`docker node update ${w.labels.flatMap(([k, v]) => ['--label-add', `${k}=${v}`])} ${w.nodeId} >/dev/null & pids="$pids $!"`,
        ),
        'failed=0',
        'for pid in $pids; do wait "$pid" || failed=1; done',
        'exit $failed',
      ].join('\n'),
      { timeoutMs: 30_000 },
    );
  }
  const ready = nodes.filter(
    (n) => n.status === 'ready' && present.has(n.id) && checked.some((w) => w.nodeId === n.id),
  );
  return { nodes, ready };
}

async function nodeById(manager: Remote, nodeId: string): Promise<SwarmNode | undefined> {
  return (await swarmNodes(manager)).find((node) => node.id === nodeId);
}

async function requireNode(manager: Remote, nodeId: string): Promise<SwarmNode> {
  const node = await nodeById(manager, checkNodeId(nodeId));
  if (!node) throw new BootstrapError(`swarm: no node ${nodeId} in this swarm`);
  return node;
}

/** A manager becomes a worker (before it leaves, so the others keep their quorum). */
export async function swarmDemote(manager: Remote, nodeId: string): Promise<StepResult> {
  const node = await requireNode(manager, nodeId);
  if (node.role === 'worker') return { changed: false };
  await runStep(manager, 'swarm.demote', sh`docker node demote ${nodeId}`);
  return { changed: true };
}

/** Tasks the manager still wants running on the node. */
async function runningTasks(manager: Remote, nodeId: string): Promise<string[]> {
  const out = await runStep(
    manager,
    'swarm.tasks',
    sh`docker node ps ${nodeId} --filter desired-state=running --format ${'{{.ID}} {{.CurrentState}}'}`,
  );
  return out.split('\n').filter((line) => line.trim());
}

export const swarmAvailabilities = ['active', 'pause', 'drain'] as const;
export type SwarmAvailability = (typeof swarmAvailabilities)[number];

/**
 * Sets whether the scheduler places tasks on the node: `pause` keeps its running tasks and
 * places no new ones, `active` takes tasks again (`drain`: use swarmDrain, which also waits for
 * the tasks to move). Nothing is written when the node already has it.
 */
export async function swarmSetAvailability(
  manager: Remote,
  nodeId: string,
  availability: SwarmAvailability,
): Promise<StepResult> {
  if (!swarmAvailabilities.includes(availability)) {
    throw new BootstrapError(`availability: not one of ${swarmAvailabilities.join(', ')}`);
  }
  const node = await requireNode(manager, nodeId);
  if (node.availability === availability) return { changed: false };
  await runStep(
    manager,
    'swarm.availability',
    sh`docker node update --availability ${availability} ${nodeId}`,
  );
  return { changed: true };
}

/**
 * Sets the node to drain and waits until none of its tasks run any more: the swarm has moved
 * them to other nodes.
 */
export async function swarmDrain(
  manager: Remote,
  nodeId: string,
  options: { timeoutMs?: number } = {},
): Promise<StepResult> {
  const node = await requireNode(manager, nodeId);
  let changed = false;
  if (node.availability !== 'drain') {
    await runStep(manager, 'swarm.drain', sh`docker node update --availability drain ${nodeId}`);
    changed = true;
  }
  await waitUntil(
    'swarm.drain',
    async () => (await runningTasks(manager, nodeId)).length === 0,
    options.timeoutMs ?? 120_000,
  );
  return { changed };
}

/** Leaves the swarm on this server; `force` is needed for a manager. */
export async function swarmLeave(
  remote: Remote,
  options: { force?: boolean } = {},
): Promise<StepResult> {
  const info = await swarmInfo(remote);
  if (info.state === 'inactive') return { changed: false };
  await runStep(remote, 'swarm.leave', `docker swarm leave${options.force ? ' --force' : ''}`, {
    timeoutMs: 60_000,
  });
  return { changed: true };
}

/**
 * Removes a node from the manager's list. Without `force` it waits until the node is down
 * (it has left); with `force`, a node that cannot be reached is removed anyway.
 */
export async function swarmRemoveNode(
  manager: Remote,
  nodeId: string,
  options: { force?: boolean; timeoutMs?: number } = {},
): Promise<StepResult> {
  const node = await nodeById(manager, checkNodeId(nodeId));
  if (!node) return { changed: false };
  if (node.role === 'manager') await swarmDemote(manager, nodeId);
  if (!options.force) {
    await waitUntil(
      'swarm.remove: node to be down',
      async () => (await nodeById(manager, nodeId))?.status !== 'ready',
      options.timeoutMs ?? 60_000,
    );
  }
  await runStep(
    manager,
    'swarm.remove',
    sh`docker node rm ${options.force ? ['--force'] : []} ${nodeId}`,
  );
  return { changed: true };
}
