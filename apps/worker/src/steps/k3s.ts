// Kubernetes (k3s) through @flotilla/bootstrap. The first server starts with --cluster-init and a
// token Flotilla generates; other servers and agents join with it. Node names are Flotilla's node
// names, so the Kubernetes node name is known before the node exists.
import { randomBytes } from 'node:crypto';
import {
  installK3s,
  type K3sSource,
  k3sDeleteNode,
  k3sDrain,
  k3sJoin,
  k3sKubeconfig,
  k3sLabelNode,
  k3sNodes,
  k3sServerInit,
  k3sUninstall,
} from '@flotilla/bootstrap';
import type { SshSession } from '@flotilla/ssh';
import type { EngineSettings } from '../engine.ts';
import type { OrchestratorDriver, OrchestratorNode } from './orchestrator.ts';
import { waitFor } from './step.ts';

export const nodeIdLabel = 'flotilla.dev/node-id';

export function k3sSource(settings: EngineSettings): K3sSource {
  return settings.k3s.artifactPath
    ? { kind: 'artifact', path: settings.k3s.artifactPath }
    : { kind: 'url', url: settings.k3s.installUrl };
}

async function nodes(manager: SshSession): Promise<OrchestratorNode[]> {
  return (await k3sNodes(manager)).map((n) => ({
    id: n.name,
    hostname: n.name,
    ready: n.ready,
    manager: n.roles.includes('control-plane') || n.roles.includes('master'),
  }));
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
      // A token sealed by an earlier attempt is reused: the server may already run with it.
      const token = existing?.manager ?? `K10${randomBytes(24).toString('hex')}::server:flotilla`;
      const init = await k3sServerInit(session, {
        token,
        nodeName,
        advertiseAddr: advertiseAddress,
      });
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
        message: joined.changed
          ? `joined ${managerAddress} as ${role === 'manager' ? 'server' : 'agent'}`
          : 'already joined',
      };
    },

    nodes,

    async readyAndLabel(manager, memberId, flotillaNodeId, timeoutMs) {
      let last: OrchestratorNode | undefined;
      const ready = await waitFor(
        async () => {
          last = (await nodes(manager)).find((n) => n.id === memberId);
          return last?.ready ? last : undefined;
        },
        {
          timeoutMs,
          intervalMs: 500,
          timeoutMessage: () =>
            last
              ? `the node was still not Ready after ${timeoutMs} ms`
              : `the managers did not list the node within ${timeoutMs} ms`,
        },
      );
      await k3sLabelNode(manager, memberId, { [nodeIdLabel]: flotillaNodeId });
      return ready;
    },

    async drain(manager, memberId, timeoutMs) {
      await k3sDrain(manager, memberId, { timeoutMs });
      return 'drained: cordoned and its pods evicted';
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
