// `clusters create` flags → the body of cluster.create. `--manager small:3` asks a cloud for
// machines, `--manager root@10.0.0.5:22` (or `--server`) takes a server of the user's own; the
// server validates everything else and names the field, which is mapped back to the flag here.
import { usageError } from './errors.ts';

export const plans = ['nano', 'micro', 'small', 'medium', 'power'] as const;
export const cloudProviders = ['digitalocean', 'hetzner', 'aws'] as const;
export const providers = [...cloudProviders, 'ssh'] as const;
export const orchestrators = ['swarm', 'kubernetes'] as const;
export const roles = ['manager', 'worker'] as const;

type Plan = (typeof plans)[number];
type Role = (typeof roles)[number];

export interface NodeFlag {
  role: Role;
  /** As typed, for messages: `--worker small:2`. */
  flag: string;
  value: string;
}

export type NodeSpec =
  | { kind: 'cloud'; role: Role; plan: Plan; count: number }
  | { kind: 'server'; role: Role; host: string; port?: number; user?: string };

const planSpec = /^([a-z]+)(?::(\d+))?$/;
// user@ is optional; an IPv6 address is written in brackets when a port follows.
const serverSpec = /^(?:([^@\s]+)@)?(\[[0-9A-Fa-f:.]+\]|[^\s:@[\]]+)(?::(\d+))?$/;

export function parseNodeFlag({ role, flag, value }: NodeFlag): NodeSpec {
  const asPlan = planSpec.exec(value);
  if (asPlan && (plans as readonly string[]).includes(asPlan[1] as string)) {
    const count = asPlan[2] === undefined ? 1 : Number(asPlan[2]);
    if (!Number.isInteger(count) || count < 1) {
      throw usageError(`${flag} ${value}: the count must be a whole number of at least 1`);
    }
    return { kind: 'cloud', role, plan: asPlan[1] as Plan, count };
  }
  if (asPlan && flag !== '--server') {
    // `huge:3` is a mistyped plan far more often than a one-word host name with a port.
    throw usageError(
      `${flag} ${value}: no plan "${asPlan[1]}" (${plans.join(', ')}); a server of your own is written user@host`,
    );
  }
  const asServer = serverSpec.exec(value);
  if (!asServer) {
    throw usageError(
      `${flag} ${value}: expected plan:count (${plans.join(', ')}) or [user@]host[:port]`,
    );
  }
  const [, user, rawHost, rawPort] = asServer;
  const host = (rawHost as string).replace(/^\[(.*)\]$/, '$1');
  const port = rawPort === undefined ? undefined : Number(rawPort);
  if (port !== undefined && (port < 1 || port > 65_535)) {
    throw usageError(`${flag} ${value}: the port must be between 1 and 65535`);
  }
  return {
    kind: 'server',
    role,
    host,
    ...(port !== undefined ? { port } : {}),
    ...(user !== undefined ? { user } : {}),
  };
}

export interface CreateFlags {
  name: string;
  orchestrator: string;
  provider?: string;
  region?: string;
  sshKeyId?: string;
  credential?: string;
  nodes: NodeFlag[];
}

/**
 * The cluster.create body (without the organization, and with the SSH key as the user named it)
 * and, for each of its fields, the flag it came from (so that the server's "nodes.1.host: …"
 * reads "--worker root@10.0.0.7: host: …").
 */
export function createInput(flags: CreateFlags): {
  input: Record<string, unknown>;
  flagOf: (path: string) => string | undefined;
} {
  if (flags.nodes.length === 0) {
    throw usageError(
      'no nodes: give --manager/--worker plan:count for a cloud, or --server user@host for your own servers',
    );
  }
  const specs = flags.nodes.map(parseNodeFlag);
  const servers = specs.filter((spec) => spec.kind === 'server');
  const cloud = specs.filter((spec) => spec.kind === 'cloud');
  if (servers.length > 0 && cloud.length > 0) {
    throw usageError('give either plan:count (cloud machines) or servers of your own, not both');
  }
  const common = {
    name: flags.name,
    orchestrator: flags.orchestrator,
  };
  let input: Record<string, unknown>;
  if (servers.length > 0) {
    if (flags.provider && flags.provider !== 'ssh') {
      throw usageError(
        `--provider ${flags.provider} creates machines: give plan:count, or --provider ssh for your own servers`,
      );
    }
    if (!flags.sshKeyId) {
      throw usageError(
        'servers of your own need --ssh-key (see `flotilla ssh-keys ls`, or `ssh-keys add`)',
      );
    }
    input = {
      ...common,
      provider: 'ssh',
      ...(flags.region ? { region: flags.region } : {}),
      sshKeyId: flags.sshKeyId,
      nodes: servers.map(({ role, host, port, user }) => ({
        role,
        host,
        ...(port !== undefined ? { port } : {}),
        ...(user !== undefined ? { user } : {}),
      })),
    };
  } else {
    if (!flags.provider || flags.provider === 'ssh') {
      throw usageError(
        `plan:count asks a cloud for machines: give --provider (${cloudProviders.join(', ')})`,
      );
    }
    if (!flags.region) throw usageError(`--region is required for --provider ${flags.provider}`);
    if (flags.sshKeyId) throw usageError('--ssh-key is for servers of your own');
    input = {
      ...common,
      provider: flags.provider,
      region: flags.region,
      ...(flags.credential ? { providerCredentialId: flags.credential } : {}),
      nodes: cloud.map(({ role, plan, count }) => ({ role, plan, count })),
    };
  }
  const byField: Record<string, string> = {
    name: '<name>',
    organizationId: '--org',
    orchestrator: '--orchestrator',
    provider: '--provider',
    region: '--region',
    sshKeyId: '--ssh-key',
    providerCredentialId: '--credential',
    nodes: '--manager/--worker',
  };
  const flagOf = (path: string) => {
    const node = /^nodes\.(\d+)/.exec(path);
    if (node) {
      const given = flags.nodes[Number(node[1])];
      return given ? `${given.flag} ${given.value}` : byField.nodes;
    }
    return byField[path.split('.')[0] ?? ''];
  };
  return { input, flagOf };
}
