// Kubernetes (k3s) through @flotilla/bootstrap. The first server starts with --cluster-init and a
// password Flotilla generates; other servers and agents join with the secure token it writes
// (the password and its CA's hash). Node names are Flotilla's node names, so the Kubernetes node
// name is known before the node exists.
import { randomBytes } from 'node:crypto';
import {
  installK3s,
  type K3sNode,
  type K3sSource,
  k3sCordon,
  k3sDeleteNode,
  k3sDrain,
  k3sJoin,
  k3sJoinToken,
  k3sKubeconfig,
  k3sLabelNode,
  k3sNodes,
  k3sServerInit,
  k3sUninstall,
} from '@flotilla/bootstrap';
import type { SshSession } from '@flotilla/ssh';
import type { EngineSettings } from '../engine.ts';
import type { OrchestratorDriver, OrchestratorNode } from './driver.ts';

export const nodeIdLabel = 'flotilla.dev/node-id';

export function k3sSource(settings: EngineSettings): K3sSource {
  return settings.k3s.artifactPath
    ? { kind: 'artifact', path: settings.k3s.artifactPath }
    : { kind: 'url', url: settings.k3s.installUrl };
}

function toNode(n: K3sNode): OrchestratorNode {
  return {
    id: n.name,
    hostname: n.name,
    ready: n.ready,
    manager: n.roles.includes('control-plane') || n.roles.includes('master'),
    availability: n.unschedulable ? 'pause' : 'active',
  };
}

async function nodes(manager: SshSession): Promise<OrchestratorNode[]> {
  return (await k3sNodes(manager)).map(toNode);
}

export function k3sDriver(settings: EngineSettings): OrchestratorDriver {
  const source = k3sSource(settings);
  return {
    name: 'k3s',
    prepareStep: 'k3s.install',

    async prepare(session) {
      const installed = await installK3s(session, {
        source,
        timeoutMs: settings.sshCommandTimeoutMs,
      });
      const from = source.kind === 'artifact' ? `artifact ${source.path}` : source.url;
      return installed.changed ? `installed k3s from ${from}` : 'k3s already installed';
    },

    async init(session, { advertiseAddress, nodeName, existing }) {
      // A token sealed by an earlier attempt is reused: the server may already run with it (the
      // secure form names the CA it made, which a restart keeps). A first start takes a bare
      // password; others join with the secure token the server then writes.
      const init = await k3sServerInit(session, {
        token: existing?.manager ?? randomBytes(24).toString('hex'),
        nodeName,
        advertiseAddr: advertiseAddress,
      });
      const token = await k3sJoinToken(session);
      return {
        secrets: { manager: token, worker: token },
        // Kubernetes node names are Flotilla's node names.
        memberId: nodeName,
        message: init.changed
          ? `k3s server started with --cluster-init, advertising ${advertiseAddress}`
          : 'k3s server already running',
      };
    },

    async join(session, { role, advertiseAddress, managerAddress, secrets, nodeName }) {
      const joined = await k3sJoin(session, {
        role: role === 'manager' ? 'server' : 'agent',
        serverAddr: managerAddress,
        token: secrets.manager,
        nodeName,
        advertiseAddr: advertiseAddress,
      });
      return {
        memberId: nodeName,
        changed: joined.changed,
        message: joined.changed
          ? `joined ${managerAddress} as ${role === 'manager' ? 'server' : 'agent'}`
          : 'already joined',
      };
    },

    nodes,

    async readyNodes(manager, wanted) {
      const listed = await k3sNodes(manager);
      const ready: OrchestratorNode[] = [];
      for (const { memberId, flotillaNodeId } of wanted) {
        const node = listed.find((n) => n.name === memberId);
        if (!node?.ready) continue;
        // k3sLabelNode writes only a label that is missing.
        await k3sLabelNode(manager, memberId, { [nodeIdLabel]: flotillaNodeId });
        ready.push(toNode(node));
      }
      return { nodes: listed.map(toNode), ready };
    },

    async drain(manager, memberId, timeoutMs) {
      await k3sDrain(manager, memberId, { timeoutMs });
      return 'drained: cordoned and its pods evicted';
    },

    async setAvailability(manager, memberId, availability, timeoutMs) {
      if (availability === 'drain') {
        const drained = await k3sDrain(manager, memberId, { timeoutMs });
        return drained.changed
          ? 'drained: cordoned and its pods evicted'
          : 'already drained: no pod left to evict';
      }
      const cordon = availability === 'pause';
      const set = await k3sCordon(manager, memberId, cordon);
      const done = cordon
        ? 'cordoned: no new pods, running ones stay'
        : 'uncordoned: takes new pods';
      return set.changed ? done : `already ${done}`;
    },

    async demote() {
      // A k3s server leaves etcd when it is deleted; there is no separate demotion.
    },

    async leave(session) {
      await k3sUninstall(session);
    },

    async forget(manager, memberId) {
      await k3sDeleteNode(manager, memberId);
    },

    async clean(session) {
      const removed = await k3sUninstall(session);
      return removed.changed ? 'k3s uninstalled' : 'k3s not installed';
    },

    kubeconfig(session, serverAddress) {
      return k3sKubeconfig(session, { serverAddr: serverAddress });
    },
  };
}
