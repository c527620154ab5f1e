// nodes ls | add | rm | drain | activate | evacuate
import type { FlotillaClient } from '@flotilla/client';
import { type Command, Option } from 'commander';
import type { Cli } from '../cli.ts';
import { parseNodeFlag, plans, roles } from '../cluster-spec.ts';
import { usageError } from '../errors.ts';
import { fields, paintStatus } from '../io.ts';
import { resolveCluster, resolveNode } from '../resolve.ts';
import type { ClusterNode } from '../types.ts';
import { untilAvailability, untilNodeRemoved, untilNodeRunning, waitForCluster } from '../wait.ts';
import { nodeTable, progressFor } from './clusters.ts';

function nodeText(cli: Cli, node: ClusterNode): string {
  return fields(
    [
      ['name', node.name],
      ['id', node.id],
      ['role', node.role],
      [
        'status',
        `${paintStatus(cli.colors, node.status)}${node.statusReason ? ` (${node.statusReason})` : ''}`,
      ],
      ['state', paintStatus(cli.colors, node.state)],
      [
        'availability',
        `${node.availability}${node.availabilityPending ? ' (being applied on the servers)' : ''}`,
      ],
      ['ip', node.ip ?? '-'],
      ['plan', node.plan ?? '-'],
    ],
    cli.colors,
  );
}

export function registerNodes(program: Command, cli: Cli): void {
  const nodes = program
    .command('nodes')
    .alias('node')
    .description("a cluster's nodes: list, add, remove, drain, activate, evacuate");

  nodes
    .command('ls')
    .alias('list')
    .description("a cluster's nodes")
    .argument('<cluster>', 'name or id')
    .action(async (ref: string, _options, command: Command) => {
      const session = cli.session(command);
      const api = await session.api();
      const cluster = await resolveCluster(api, () => session.organizationId(), ref);
      const list = await api.cluster.nodes.query({ clusterId: cluster.id });
      if (cli.format(command) === 'json') return cli.printJson(list);
      if (list.length === 0) return cli.note(`Cluster ${cluster.name} has no nodes.`);
      cli.out(nodeTable(list, cli.colors));
    });

  nodes
    .command('add')
    .description('add a node; it is provisioned and joins the cluster by itself')
    .argument('<cluster>', 'name or id')
    .addOption(new Option('--role <role>', 'manager or worker').choices(roles).default('worker'))
    .addOption(new Option('--plan <plan>', 'the machine size, for a cloud cluster').choices(plans))
    .option(
      '--server <[user@]host[:port]>',
      'the server to take in, for a cluster of your own servers',
    )
    .option('--wait', "show the node's steps and return once it is running")
    .action(
      async (
        ref: string,
        options: {
          role: 'manager' | 'worker';
          plan?: (typeof plans)[number];
          server?: string;
          wait?: boolean;
        },
        command: Command,
      ) => {
        if (Boolean(options.plan) === Boolean(options.server)) {
          throw usageError(
            'give --plan (a cloud cluster) or --server (a cluster of your own servers)',
          );
        }
        const server = options.server
          ? parseNodeFlag({ role: options.role, flag: '--server', value: options.server })
          : undefined;
        if (server && server.kind !== 'server') {
          throw usageError(`--server ${options.server}: expected [user@]host[:port]`);
        }
        const session = cli.session(command);
        const api = await session.api();
        const cluster = await resolveCluster(api, () => session.organizationId(), ref);
        const node = await api.cluster.addNode.mutate({
          clusterId: cluster.id,
          role: options.role,
          ...(options.plan ? { plan: options.plan } : {}),
          ...(server?.kind === 'server'
            ? {
                host: server.host,
                ...(server.port !== undefined ? { port: server.port } : {}),
                ...(server.user !== undefined ? { user: server.user } : {}),
              }
            : {}),
        });
        const json = cli.format(command) === 'json';
        if (!options.wait) {
          if (json) return cli.printJson(node);
          cli.out(nodeText(cli, node));
          cli.note(
            `Provisioning. Follow it with: flotilla clusters logs ${cluster.name} --node ${node.name} -f`,
          );
          return;
        }
        const withNode = { ...cluster, nodes: [...cluster.nodes, node] };
        const final = await waitForCluster({
          api,
          url: session.url,
          cluster: withNode,
          view: progressFor(cli, command, withNode, node.id),
          judge: untilNodeRunning(node.id),
          signal: cli.signal,
          interruptedHint: `stopped waiting; ${node.name} carries on joining`,
          history: { nodeId: node.id },
        });
        const done = final?.nodes.find((n) => n.id === node.id) ?? node;
        if (json) return cli.printJson(done);
        cli.out(`\nNode ${done.name} is ${paintStatus(cli.colors, done.status)}.\n`);
      },
    );

  nodes
    .command('rm')
    .alias('remove')
    .description('remove a node: drained (workloads move), it leaves, its machine is destroyed')
    .argument('<cluster>', 'name or id')
    .argument('<node>', 'name or id')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--wait', 'show the steps and return once the node is gone')
    .action(
      async (
        clusterRef: string,
        nodeRef: string,
        options: { yes?: boolean; wait?: boolean },
        command: Command,
      ) => {
        const session = cli.session(command);
        const api = await session.api();
        const cluster = await resolveCluster(api, () => session.organizationId(), clusterRef);
        const node = resolveNode(cluster, nodeRef);
        await cli.confirm(
          options.yes,
          `This removes node ${node.name} from cluster ${cluster.name}`,
          node.name,
        );
        const removed = await api.cluster.removeNode.mutate({
          clusterId: cluster.id,
          nodeId: node.id,
        });
        const json = cli.format(command) === 'json';
        if (!options.wait) {
          if (json) return cli.printJson(removed);
          cli.out(`Removing node ${node.name} from ${cluster.name}.\n`);
          return;
        }
        await waitForCluster({
          api,
          url: session.url,
          cluster,
          view: progressFor(cli, command, cluster, node.id),
          judge: untilNodeRemoved(node.id),
          signal: cli.signal,
          interruptedHint: `stopped waiting; ${node.name} is still being removed`,
          history: { tail: 0 },
          pollMs: 2_000,
        });
        if (json) return cli.printJson({ ...removed, removed: true });
        cli.out(`\nNode ${node.name} is removed.\n`);
      },
    );

  // The scheduler's say over a node: the change is asked for at once and made on the servers by
  // a job; --wait follows it there.
  const availability = [
    {
      name: 'drain',
      wanted: 'pause',
      description: 'stop placing new work on a node; what runs there keeps running',
      call: (api: FlotillaClient) => api.cluster.drainNode,
    },
    {
      name: 'activate',
      wanted: 'active',
      description: 'let the scheduler place work on a node again',
      call: (api: FlotillaClient) => api.cluster.activateNode,
    },
    {
      name: 'evacuate',
      wanted: 'drain',
      description: "move a node's work to the other nodes (it takes no new work either)",
      call: (api: FlotillaClient) => api.cluster.evacuateNode,
    },
  ] as const;
  for (const change of availability) {
    nodes
      .command(change.name)
      .description(change.description)
      .argument('<cluster>', 'name or id')
      .argument('<node>', 'name or id')
      .option('--wait', 'show the steps and return once the servers have it')
      .action(
        async (
          clusterRef: string,
          nodeRef: string,
          options: { wait?: boolean },
          command: Command,
        ) => {
          const session = cli.session(command);
          const api = await session.api();
          const cluster = await resolveCluster(api, () => session.organizationId(), clusterRef);
          const node = resolveNode(cluster, nodeRef);
          let changed = await change.call(api).mutate({ clusterId: cluster.id, nodeId: node.id });
          if (options.wait && changed.availabilityPending) {
            const final = await waitForCluster({
              api,
              url: session.url,
              cluster,
              view: progressFor(cli, command, cluster, node.id),
              judge: untilAvailability(node.id, change.wanted),
              signal: cli.signal,
              interruptedHint: `stopped waiting; the ${change.name} of ${node.name} carries on`,
              history: { tail: 0 },
              pollMs: 1_000,
            });
            changed = final?.nodes.find((n) => n.id === node.id) ?? changed;
          }
          if (cli.format(command) === 'json') return cli.printJson(changed);
          cli.out(nodeText(cli, changed));
        },
      );
  }
}
