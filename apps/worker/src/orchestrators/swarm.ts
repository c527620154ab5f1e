// Docker Swarm through @flotilla/bootstrap's idempotent steps: each asks the server what is
// already true before acting, so a retried or resumed job repeats nothing.
import {
  ensureDocker,
  swarmDemote,
  swarmDrain,
  swarmInit,
  swarmJoin,
  swarmLeave,
  swarmNodes,
  swarmReadyNodes,
  swarmRemoveNode,
  swarmSetAvailability,
} from '@flotilla/bootstrap';
import type { EngineSettings } from '../engine.ts';
import type { NodeAvailability, OrchestratorDriver } from './driver.ts';

export const nodeIdLabel = 'flotilla.node-id';

const isAvailability = (value: string): value is NodeAvailability =>
  value === 'active' || value === 'pause' || value === 'drain';

export const swarmDriver = (settings: EngineSettings): OrchestratorDriver => ({
  name: 'swarm',
  prepareStep: 'docker.ensure',

  async prepare(session) {
    // Installing Docker is the one long command; SSH_COMMAND_TIMEOUT_MS bounds it.
    const docker = await ensureDocker(session, { timeoutMs: settings.sshCommandTimeoutMs });
    return docker.changed
      ? `installed Docker ${docker.version}`
      : `Docker ${docker.version} already installed`;
  },

  async init(session, { advertiseAddress, flotillaNodeId }) {
    // One command: init (unless formed already), the node id, both join tokens, and the wait
    // for this manager to be Ready with Flotilla's label.
    const init = await swarmInit(session, {
      advertiseAddr: advertiseAddress,
      joinTokens: true,
      ready: { labels: { [nodeIdLabel]: flotillaNodeId }, timeoutMs: settings.readyTimeoutMs },
    });
    if (!init.tokens) throw new Error('swarm.init returned no join tokens');
    if (!init.node) throw new Error('swarm.init did not report the manager Ready');
    return {
      secrets: init.tokens,
      memberId: init.nodeId,
      message: init.changed
        ? `swarm initialised, advertising ${advertiseAddress}`
        : 'already the manager of a swarm',
      ready: {
        id: init.node.id,
        hostname: init.node.hostname,
        ready: true,
        manager: true,
      },
    };
  },

  async join(session, { role, advertiseAddress, managerAddress, secrets }) {
    const joined = await swarmJoin(session, {
      token: role === 'manager' ? secrets.manager : secrets.worker,
      managerAddr: managerAddress,
      advertiseAddr: advertiseAddress,
    });
    return {
      memberId: joined.nodeId,
      changed: joined.changed,
      message: joined.changed
        ? `joined the swarm at ${managerAddress} as ${role}`
        : 'already a member of the swarm',
    };
  },

  async nodes(manager) {
    return (await swarmNodes(manager)).map((n) => ({
      id: n.id,
      hostname: n.hostname,
      ready: n.status === 'ready',
      manager: n.role === 'manager',
      ...(isAvailability(n.availability) ? { availability: n.availability } : {}),
    }));
  },

  async readyNodes(manager, wanted) {
    const read = await swarmReadyNodes(
      manager,
      wanted.map((w) => ({ nodeId: w.memberId, labels: { [nodeIdLabel]: w.flotillaNodeId } })),
    );
    const toNode = (n: (typeof read.nodes)[number]) => ({
      id: n.id,
      hostname: n.hostname,
      ready: n.status === 'ready',
      manager: n.role === 'manager',
    });
    return { nodes: read.nodes.map(toNode), ready: read.ready.map(toNode) };
  },

  async drain(manager, memberId, timeoutMs) {
    await swarmDrain(manager, memberId, { timeoutMs });
    return 'drained: its tasks now run on other nodes';
  },

  async setAvailability(manager, memberId, availability, timeoutMs) {
    if (availability === 'drain') {
      const drained = await swarmDrain(manager, memberId, { timeoutMs });
      return drained.changed
        ? 'availability drain: its tasks now run on other nodes'
        : 'already drained: no task runs on it';
    }
    const set = await swarmSetAvailability(manager, memberId, availability);
    const meaning =
      availability === 'pause' ? 'no new tasks, running ones stay' : 'takes new tasks';
    return `${set.changed ? 'availability' : 'already'} ${availability}: ${meaning}`;
  },

  async demote(manager, memberId) {
    await swarmDemote(manager, memberId);
  },

  async leave(session) {
    await swarmLeave(session);
  },

  async forget(manager, memberId, { gone }) {
    await swarmRemoveNode(manager, memberId, { force: gone });
  },

  async clean(session) {
    const left = await swarmLeave(session, { force: true });
    return left.changed ? 'left the swarm' : 'in no swarm';
  },
});
