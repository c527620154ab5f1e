// clusters ls | show | create | rm | logs | kubeconfig
import { chmod, writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { Cli } from '../cli.ts';
import { createInput, type NodeFlag, orchestrators, plans, providers } from '../cluster-spec.ts';
import { CliError, exitCodes, fieldIssues, usageError } from '../errors.ts';
import { ClusterFollower } from '../follow.ts';
import { age, type Colors, colorsFor, fields, paintStatus, table } from '../io.ts';
import { ProgressView } from '../progress.ts';
import { collectPages, resolveCluster, resolveNode, resolveSshKey } from '../resolve.ts';
import type { ClusterDetail, ClusterNode, ClusterSummary } from '../types.ts';
import { untilDeleted, untilProvisioned, waitForCluster } from '../wait.ts';

const statuses = ['provisioning', 'running', 'degraded', 'updating', 'deleting', 'error'];

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usageError(`"${value}" is not a whole number ≥ 1`);
  return n;
}

export function clusterTable(clusters: ClusterSummary[], colors: Colors): string {
  return table(
    clusters,
    [
      { header: 'NAME', value: (c) => c.name },
      { header: 'ID', value: (c) => c.id },
      { header: 'STATUS', value: (c) => paintStatus(colors, c.status) },
      { header: 'PROVIDER', value: (c) => c.provider },
      { header: 'REGION', value: (c) => c.region },
      { header: 'ORCHESTRATOR', value: (c) => c.orchestrator },
      { header: 'NODES', value: (c) => String(c.nodeCount) },
      { header: 'AGE', value: (c) => age(c.createdAt) },
    ],
    colors,
  );
}

export function nodeTable(nodes: ClusterNode[], colors: Colors): string {
  return table(
    nodes,
    [
      { header: 'NAME', value: (n) => n.name },
      { header: 'ID', value: (n) => n.id },
      { header: 'ROLE', value: (n) => n.role },
      { header: 'PLAN', value: (n) => n.plan ?? '-' },
      { header: 'IP', value: (n) => n.ip ?? '-' },
      { header: 'STATUS', value: (n) => paintStatus(colors, n.status) },
      { header: 'AGE', value: (n) => age(n.createdAt) },
      {
        header: 'REASON',
        value: (n) => (n.status === 'running' ? '' : (n.statusReason ?? '')),
      },
    ],
    colors,
  );
}

export function clusterText(cluster: ClusterDetail, colors: Colors): string {
  const status = paintStatus(colors, cluster.status);
  const head = fields(
    [
      ['name', cluster.name],
      ['id', cluster.id],
      ['status', cluster.statusReason ? `${status} (${cluster.statusReason})` : status],
      ['provider', `${cluster.provider}, ${cluster.region}`],
      ['orchestrator', cluster.orchestrator],
      ['created', cluster.createdAt],
    ],
    colors,
  );
  return cluster.nodes.length > 0 ? `${head}\n${nodeTable(cluster.nodes, colors)}` : head;
}

/** Where progress goes: stdout normally; stderr when stdout carries the JSON result. */
export function progressFor(cli: Cli, command: Command, cluster: ClusterDetail, nodeId?: string) {
  const json = cli.format(command) === 'json';
  const out = json ? cli.io.stderr : cli.io.stdout;
  return new ProgressView({
    out,
    colors: colorsFor(out, cli.io.env),
    live: Boolean(out.isTTY) && cli.io.env.TERM !== 'dumb',
    cluster,
    ...(nodeId ? { nodeId } : {}),
  });
}

const collect = (role: NodeFlag['role'], flag: string) => (value: string, previous: NodeFlag[]) => [
  ...previous,
  { role, flag, value },
];

export function registerClusters(program: Command, cli: Cli): void {
  const clusters = program
    .command('clusters')
    .alias('cluster')
    .description('list, create, inspect and delete clusters');

  clusters
    .command('ls')
    .alias('list')
    .description("the organization's clusters")
    .addOption(new Option('--status <status>', 'only clusters in this status').choices(statuses))
    .option('--search <text>', 'only clusters whose name contains this')
    .option('--limit <n>', 'at most this many', positiveInt)
    .action(
      async (options: { status?: string; search?: string; limit?: number }, command: Command) => {
        const session = cli.session(command);
        const api = await session.api();
        const organizationId = await session.organizationId();
        const shown = await collectPages(
          (page, limit) =>
            api.cluster.all.query({
              organizationId,
              page,
              limit,
              sort: 'name',
              order: 'asc',
              ...(options.search ? { search: options.search } : {}),
              ...(options.status ? { status: options.status as ClusterSummary['status'] } : {}),
            }),
          options.limit,
        );
        if (cli.format(command) === 'json') return cli.printJson(shown);
        if (shown.length === 0) return cli.note('No clusters.');
        cli.out(clusterTable(shown, cli.colors));
      },
    );

  clusters
    .command('show')
    .alias('get')
    .description('a cluster and its nodes')
    .argument('<cluster>', 'name or id')
    .action(async (ref: string, _options, command: Command) => {
      const session = cli.session(command);
      const cluster = await resolveCluster(
        await session.api(),
        () => session.organizationId(),
        ref,
      );
      if (cli.format(command) === 'json') return cli.printJson(cluster);
      cli.out(clusterText(cluster, cli.colors));
    });

  clusters
    .command('create')
    .description('create a cluster: machines on a cloud, or servers of your own')
    .argument('<name>', 'lower-case letters, digits and hyphens (node names derive from it)')
    .addOption(
      new Option('--orchestrator <kind>', 'what runs on it')
        .choices(orchestrators)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--provider <provider>',
        `where machines come from (ssh: your own servers)`,
      ).choices(providers),
    )
    .option(
      '--region <region>',
      "the provider's region (own servers: a label, default self-hosted)",
    )
    .option(
      '--manager <spec>',
      `manager nodes: plan:count on a cloud (${plans.join(', ')}), or [user@]host[:port] of a server of your own; repeatable`,
      collect('manager', '--manager'),
      [],
    )
    .option(
      '--worker <spec>',
      'worker nodes, written like --manager; repeatable',
      collect('worker', '--worker'),
      [],
    )
    .option(
      '--server <[user@]host[:port]>',
      'a server of your own as a manager (the same as --manager user@host); repeatable',
      collect('manager', '--server'),
      [],
    )
    .option(
      '--ssh-key <key>',
      'name or id of the SSH key that opens your servers (`flotilla ssh-keys ls`)',
    )
    .option('--credential <id>', "the provider credential to use (default: the organization's)")
    .option('--wait', "show each node's steps and return once the cluster is running")
    .addHelpText(
      'after',
      `
With --wait the exit code says how it ended: 0 running; 1 error or degraded (the reason on
stderr); 130 when you stop waiting with Ctrl-C (the cluster carries on).

  $ flotilla clusters create prod --provider hetzner --region nbg1 --orchestrator swarm \\
      --manager small:3 --worker medium:2 --wait
  $ flotilla clusters create lab --orchestrator swarm --ssh-key deploy \\
      --server root@10.0.0.5 --worker root@10.0.0.6 --worker admin@10.0.0.7:2222 --wait`,
    )
    .action(
      async (
        name: string,
        options: {
          orchestrator: string;
          provider?: string;
          region?: string;
          manager: NodeFlag[];
          worker: NodeFlag[];
          server: NodeFlag[];
          sshKey?: string;
          credential?: string;
          wait?: boolean;
        },
        command: Command,
      ) => {
        const session = cli.session(command);
        // The flags are checked before any call, so a typo costs no round trip.
        const { input, flagOf } = createInput({
          name,
          orchestrator: options.orchestrator,
          nodes: [...options.server, ...options.manager, ...options.worker],
          ...(options.provider ? { provider: options.provider } : {}),
          ...(options.region ? { region: options.region } : {}),
          ...(options.sshKey ? { sshKeyId: options.sshKey } : {}),
          ...(options.credential ? { credential: options.credential } : {}),
        });
        const api = await session.api();
        const organizationId = await session.organizationId();
        const key = options.sshKey
          ? await resolveSshKey(api, organizationId, options.sshKey)
          : undefined;
        const body = { ...input, organizationId, ...(key ? { sshKeyId: key.id } : {}) };
        let cluster: ClusterDetail;
        try {
          cluster = await api.cluster.create.mutate(
            body as Parameters<typeof api.cluster.create.mutate>[0],
          );
        } catch (error) {
          const issues = fieldIssues(error);
          if (!issues) throw error;
          const named = issues.map((issue) => {
            const flag = flagOf(issue.path);
            return flag ? `${flag}: ${issue.message}` : `${issue.path}: ${issue.message}`;
          });
          throw usageError(`the server refused the input: ${named.join('; ')}`);
        }
        const json = cli.format(command) === 'json';
        if (!options.wait) {
          if (json) return cli.printJson(cluster);
          cli.out(clusterText(cluster, cli.colors));
          cli.note(`Provisioning. Follow it with: flotilla clusters logs ${cluster.name} -f`);
          return;
        }
        const final = await waitForCluster({
          api,
          url: session.url,
          cluster,
          view: progressFor(cli, command, cluster),
          judge: untilProvisioned,
          signal: cli.signal,
          interruptedHint: `stopped waiting; ${cluster.name} carries on provisioning (flotilla clusters show ${cluster.name})`,
        });
        const done = final ?? cluster;
        if (json) return cli.printJson(done);
        cli.out(`\nCluster ${done.name} is ${paintStatus(cli.colors, done.status)}.\n`);
      },
    );

  clusters
    .command('rm')
    .alias('delete')
    .description('delete a cluster and destroy every machine it created')
    .argument('<cluster>', 'name or id')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--wait', 'show the teardown and return once the cluster is gone')
    .action(async (ref: string, options: { yes?: boolean; wait?: boolean }, command: Command) => {
      const session = cli.session(command);
      const api = await session.api();
      const cluster = await resolveCluster(api, () => session.organizationId(), ref);
      await cli.confirm(
        options.yes,
        `This deletes cluster ${cluster.name} and tears down its ${cluster.nodes.length} node(s)`,
        cluster.name,
      );
      await api.cluster.remove.mutate({ clusterId: cluster.id });
      const json = cli.format(command) === 'json';
      if (!options.wait) {
        if (json) return cli.printJson({ id: cluster.id, name: cluster.name, status: 'deleting' });
        cli.out(`Deleting cluster ${cluster.name} (${cluster.id}).\n`);
        return;
      }
      await waitForCluster({
        api,
        url: session.url,
        cluster: { ...cluster, status: 'deleting' },
        view: progressFor(cli, command, cluster),
        judge: untilDeleted,
        signal: cli.signal,
        interruptedHint: `stopped waiting; ${cluster.name} is still being deleted`,
        history: { tail: 0 },
        pollMs: 2_000,
      });
      if (json) return cli.printJson({ id: cluster.id, name: cluster.name, deleted: true });
      cli.out(`\nCluster ${cluster.name} is deleted.\n`);
    });

  clusters
    .command('logs')
    .description("a cluster's provisioning steps (-f: and follow new ones)")
    .argument('<cluster>', 'name or id')
    .option('-f, --follow', 'keep printing new lines and status changes until Ctrl-C')
    .option('--node <node>', "only this node's lines (name or id)")
    .option('--tail <n>', 'only the last n stored lines', (v) => (v === '0' ? 0 : positiveInt(v)))
    .addHelpText(
      'after',
      '\nWith --output json each line is a JSON object of its own (one per line).',
    )
    .action(
      async (
        ref: string,
        options: { follow?: boolean; node?: string; tail?: number },
        command: Command,
      ) => {
        const session = cli.session(command);
        const api = await session.api();
        const cluster = await resolveCluster(api, () => session.organizationId(), ref);
        const nodeId = options.node ? resolveNode(cluster, options.node).id : undefined;
        const json = cli.format(command) === 'json';
        const names = new Map(cluster.nodes.map((n) => [n.id, n.name]));
        const view = json ? undefined : progressFor(cli, command, cluster, nodeId);
        const follower = new ClusterFollower(api, session.url, cluster.id, {
          log: (line) => {
            if (!json) return view?.log(line);
            if (nodeId && line.nodeId !== nodeId) return;
            const node = line.nodeId ? (names.get(line.nodeId) ?? null) : null;
            cli.out(`${JSON.stringify({ kind: 'log', ...line, node })}\n`);
          },
          status: (event) => {
            if (!json) return view?.status(event);
            if (nodeId && (event.kind !== 'node' || event.nodeId !== nodeId)) return;
            cli.out(`${JSON.stringify(event)}\n`);
          },
          snapshot: (seen) => {
            for (const n of seen.nodes) names.set(n.id, n.name);
            view?.snapshot(seen);
          },
          gone: () => {
            cli.note(`Cluster ${cluster.name} was deleted.`);
            follower.stop();
          },
          connection: (state, reason) =>
            view ? view.connection(state, reason) : cli.note(`${state}: ${reason}`),
        });
        try {
          await follower.history({
            ...(nodeId ? { nodeId } : {}),
            ...(options.tail !== undefined ? { tail: options.tail } : {}),
          });
          if (!options.follow) return;
          const interrupt = () => follower.stop();
          cli.signal.addEventListener('abort', interrupt, { once: true });
          follower.start();
          await follower.done;
          if (cli.signal.aborted) throw new CliError('stopped following', exitCodes.interrupted);
        } finally {
          view?.finish();
        }
      },
    );

  clusters
    .command('kubeconfig')
    .description("a Kubernetes cluster's admin kubeconfig (reading it is audited)")
    .argument('<cluster>', 'name or id')
    .option('--file <path>', 'write it to this file (mode 0600) instead of standard output')
    .action(async (ref: string, options: { file?: string }, command: Command) => {
      const session = cli.session(command);
      const api = await session.api();
      const cluster = await resolveCluster(api, () => session.organizationId(), ref);
      const { kubeconfig } = await api.cluster.kubeconfig.query({ clusterId: cluster.id });
      if (options.file) {
        // Owner-only before the secret goes in, whether the file is new or not.
        await writeFile(options.file, '', { mode: 0o600, flag: 'a' });
        await chmod(options.file, 0o600);
        await writeFile(options.file, kubeconfig);
        if (cli.format(command) === 'json') return cli.printJson({ file: options.file });
        cli.note(
          `Wrote ${options.file}. Use it with: KUBECONFIG=${options.file} kubectl get nodes`,
        );
        return;
      }
      if (cli.format(command) === 'json') return cli.printJson({ kubeconfig });
      cli.out(kubeconfig.endsWith('\n') ? kubeconfig : `${kubeconfig}\n`);
    });
}
