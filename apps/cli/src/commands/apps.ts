// apps ls | show | create | deploy | logs | rollback | scale | restart | rm
import type { FlotillaClient } from '@flotilla/client';
import { type Command, Option } from 'commander';
import { pollUntil, StepView, taskTrouble, waitForDeployment } from '../app-wait.ts';
import type { Cli } from '../cli.ts';
import {
  CliError,
  cliErrorOf,
  exitCodes,
  failure,
  fieldIssues,
  notFound,
  usageError,
} from '../errors.ts';
import { age, type Colors, colorsFor, fields, paintStatus, table } from '../io.ts';
import { collectPages, resolveApp, resolveCluster } from '../resolve.ts';
import type { App, AppLogLine, AppStatus, Deployment } from '../types.ts';
import { positiveInt } from './clusters.ts';

const appStatuses = ['created', 'building', 'deploying', 'running', 'failed', 'deleting'];

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw usageError(`"${value}" is not a whole number ≥ 0`);
  }
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535)
    throw usageError(`"${value}" is not a port (1–65535)`);
  return n;
}

/** `--env NAME=value`, repeatable: the value may hold `=` and be empty. */
const envPair = (flag: string) => (value: string, previous: Record<string, string>) => {
  const eq = value.indexOf('=');
  if (eq < 1) throw usageError(`${flag} ${value}: expected NAME=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
};

function source(app: App): string {
  if (app.sourceType === 'image') return app.imageUrl ?? '-';
  if (app.sourceType === 'git')
    return `${app.repoUrl ?? '-'}${app.repoBranch ? `#${app.repoBranch}` : ''}`;
  return 'upload';
}

export function appTable(apps: App[], colors: Colors): string {
  return table(
    apps,
    [
      { header: 'NAME', value: (a) => a.slug },
      { header: 'ID', value: (a) => a.id },
      { header: 'STATUS', value: (a) => paintStatus(colors, a.status) },
      { header: 'REPLICAS', value: (a) => String(a.replicas) },
      { header: 'PORT', value: (a) => (a.publishedPort ? `${a.publishedPort}→${a.port}` : '-') },
      { header: 'SOURCE', value: source },
      { header: 'DEPLOYED', value: (a) => (a.lastDeployAt ? age(a.lastDeployAt) : '-') },
    ],
    colors,
  );
}

export function deploymentTable(deployments: Deployment[], colors: Colors): string {
  return table(
    deployments,
    [
      { header: '#', value: (d) => String(d.ordinal) },
      { header: 'ID', value: (d) => d.id },
      { header: 'STATUS', value: (d) => paintDeployment(colors, d.status) },
      { header: 'TRIGGER', value: (d) => d.trigger },
      { header: 'IMAGE', value: (d) => d.image ?? '-' },
      { header: 'AGE', value: (d) => age(d.createdAt) },
      {
        header: 'REASON',
        value: (d) => (d.status === 'failed' || d.status === 'cancelled' ? (d.reason ?? '') : ''),
      },
    ],
    colors,
  );
}

function paintDeployment(colors: Colors, status: string): string {
  if (status === 'active') return colors.green(status);
  if (status === 'failed' || status === 'cancelled') return colors.red(status);
  if (status === 'superseded') return colors.dim(status);
  return colors.cyan(status);
}

function appText(
  app: App,
  status: AppStatus | undefined,
  deployments: Deployment[],
  colors: Colors,
): string {
  const head = fields(
    [
      ['name', app.name],
      ['slug', app.slug],
      ['id', app.id],
      [
        'status',
        `${paintStatus(colors, app.status)}${app.statusReason ? ` (${app.statusReason})` : ''}`,
      ],
      ['source', `${app.sourceType} ${source(app)}`],
      ['cluster', app.clusterId],
      [
        'replicas',
        status
          ? `${status.readyReplicas}/${status.desiredReplicas} ready (asked for ${app.replicas})`
          : String(app.replicas),
      ],
      ['port', app.publishedPort ? `${app.publishedPort} on every node → ${app.port}` : '-'],
      ['domain', app.domain ?? '-'],
      ['env', Object.keys(app.env).join(', ') || '-'],
      ['secret env', app.secretEnvNames.join(', ') || '-'],
    ],
    colors,
  );
  const pods =
    status && status.pods.length > 0
      ? `\n${table(
          status.pods,
          [
            { header: 'TASK', value: (p) => p.name },
            {
              header: 'STATE',
              value: (p) => (p.ready ? colors.green(p.state) : colors.yellow(p.state)),
            },
            { header: 'NODE', value: (p) => p.node ?? '-' },
            { header: 'UP TO DATE', value: (p) => (p.upToDate ? 'yes' : 'no') },
            { header: 'ERROR', value: (p) => p.error ?? '' },
          ],
          colors,
        )}`
      : '';
  const history = deployments.length > 0 ? `\n${deploymentTable(deployments, colors)}` : '';
  return `${head}${pods}${history}`;
}

/** Where `--wait`'s steps go: stdout, or stderr when stdout carries the JSON result. */
function stepViewFor(cli: Cli, command: Command, title: string): StepView {
  const out = cli.format(command) === 'json' ? cli.io.stderr : cli.io.stdout;
  return new StepView(
    out,
    colorsFor(out, cli.io.env),
    Boolean(out.isTTY) && cli.io.env.TERM !== 'dumb',
    title,
  );
}

/** Input the server refused, named by the flag the user typed. */
function refusedInput(error: unknown, flags: Record<string, string>): never {
  const issues = fieldIssues(error);
  if (!issues) throw error;
  const named = issues.map((issue) => {
    const field = issue.path.split('.')[0] ?? issue.path;
    return `${flags[field] ?? issue.path}: ${issue.message}`;
  });
  throw usageError(`the server refused the input: ${named.join('; ')}`);
}

const createFlags: Record<string, string> = {
  name: '<name>',
  slug: '--slug',
  clusterId: '--cluster',
  imageUrl: '--image',
  repoUrl: '--git',
  repoBranch: '--branch',
  buildCommand: '--build-command',
  port: '--port',
  publishedPort: '--published-port',
  replicas: '--replicas',
  env: '--env',
  secretEnv: '--secret-env',
  domain: '--domain',
  registryId: '--registry',
};

export function registerApps(program: Command, cli: Cli): void {
  const apps = program
    .command('apps')
    .alias('app')
    .description('containers on a cluster: list, create, deploy, roll back, scale, logs');

  /** The deployment just asked for, followed to its verdict with --wait. */
  async function finishDeploy(
    command: Command,
    app: App,
    deployment: Deployment,
    wait: boolean | undefined,
    verb: string,
  ): Promise<void> {
    const session = cli.session(command);
    const json = cli.format(command) === 'json';
    if (!wait) {
      if (json) return cli.printJson(deployment);
      cli.out(
        `${verb} ${app.slug}: deployment #${deployment.ordinal} (${deployment.id}) is ${deployment.status}.\n`,
      );
      cli.note(`Follow it with: flotilla apps show ${app.slug}`);
      return;
    }
    const done = await waitForDeployment({
      api: await session.api(),
      url: session.url,
      app,
      deployment,
      view: stepViewFor(cli, command, `${app.slug} #${deployment.ordinal}`),
      signal: cli.signal,
      interruptedHint: `stopped waiting; deployment #${deployment.ordinal} of ${app.slug} carries on`,
    });
    if (json) return cli.printJson(done);
    cli.out(
      `\nDeployment #${done.ordinal} of ${app.slug} is ${paintDeployment(cli.colors, done.status)}${
        app.publishedPort ? ` (port ${app.publishedPort} on every node)` : ''
      }.\n`,
    );
  }

  apps
    .command('ls')
    .alias('list')
    .description("the organization's apps")
    .option('--cluster <cluster>', "only this cluster's apps (name or id)")
    .addOption(new Option('--status <status>', 'only apps in this status').choices(appStatuses))
    .option('--search <text>', 'only apps whose name contains this')
    .option('--limit <n>', 'at most this many', positiveInt)
    .action(
      async (
        options: { cluster?: string; status?: string; search?: string; limit?: number },
        command: Command,
      ) => {
        const session = cli.session(command);
        const api = await session.api();
        const organizationId = await session.organizationId();
        const clusterId = options.cluster
          ? (await resolveCluster(api, () => session.organizationId(), options.cluster)).id
          : undefined;
        const shown = await collectPages(
          (page, limit) =>
            api.app.all.query({
              organizationId,
              page,
              limit,
              sort: 'name',
              order: 'asc',
              ...(clusterId ? { clusterId } : {}),
              ...(options.search ? { search: options.search } : {}),
              ...(options.status ? { status: options.status as App['status'] } : {}),
            }),
          options.limit,
        );
        if (cli.format(command) === 'json') return cli.printJson(shown);
        if (shown.length === 0) return cli.note('No apps.');
        cli.out(appTable(shown, cli.colors));
      },
    );

  apps
    .command('show')
    .alias('get')
    .description('an app: its settings, its tasks on the cluster and its latest deployments')
    .argument('<app>', 'name, slug or id')
    .action(async (ref: string, _options, command: Command) => {
      const session = cli.session(command);
      const api = await session.api();
      const app = await resolveApp(api, () => session.organizationId(), ref);
      const deployments = await api.app.deployments.query({ appId: app.id, limit: 5 });
      // The tasks are read from the cluster's managers, which may not answer: the rest still shows.
      let status: AppStatus | undefined;
      let unreachable: string | undefined;
      try {
        status = await api.app.status.query({ appId: app.id });
      } catch (error) {
        const failed = cliErrorOf(error, session.url);
        if (failed.exitCode !== exitCodes.failure && failed.exitCode !== exitCodes.unavailable)
          throw failed;
        unreachable = failed.message;
      }
      if (cli.format(command) === 'json')
        return cli.printJson({ ...app, live: status ?? null, deployments });
      cli.out(appText(app, status, deployments, cli.colors));
      if (unreachable) cli.note(`Tasks not shown: ${unreachable}`);
    });

  apps
    .command('create')
    .description('create an app on a cluster from an image or a git repository; it deploys at once')
    .argument('<name>', 'its name (the slug, which names its service, derives from it)')
    .option('--image <ref>', 'the image to run ([registry/]name[:tag][@digest])')
    .option('--git <url>', 'a git repository to build (on a node of the cluster) and run')
    .option('--branch <branch>', 'the branch to build (with --git; default main)')
    .option('--build-command <command>', 'run before the image is built, with --git')
    .option(
      '--cluster <cluster>',
      "where it runs (name or id; default the organization's default cluster)",
    )
    .option('--slug <slug>', 'the slug (default: from the name)')
    .option(
      '--port <port>',
      'the port the app listens on; published on every node of the cluster',
      port,
    )
    .option(
      '--published-port <port>',
      'the port clients use on the nodes (default: a free one of 30000–32767)',
      port,
    )
    .option('--replicas <n>', 'tasks to run (default 1)', wholeNumber)
    .option('--env <NAME=value>', 'an environment variable; repeatable', envPair('--env'), {})
    .option(
      '--secret-env <NAME=value>',
      'a secret one (sealed at rest, never listed); repeatable',
      envPair('--secret-env'),
      {},
    )
    .option('--domain <name>', 'the DNS name it answers to')
    .option(
      '--registry <id>',
      "pull (and push) credentials: a registry id (default: the image host's, or the organization's default)",
    )
    .option('--wait', "show the first deployment's steps and return once it is active")
    .addHelpText(
      'after',
      `
With --wait the exit code says how the first deployment ended: 0 active; 1 failed or cancelled
(the orchestrator's reason on stderr); 130 when you stop waiting with Ctrl-C (it carries on).

  $ flotilla apps create web --image registry.example.com/acme/web:1.4 --port 8080 --replicas 3 --wait
  $ flotilla apps create api --git https://git.example.com/acme/api.git --branch main --port 3000`,
    )
    .action(
      async (
        name: string,
        options: {
          image?: string;
          git?: string;
          branch?: string;
          buildCommand?: string;
          cluster?: string;
          slug?: string;
          port?: number;
          publishedPort?: number;
          replicas?: number;
          env: Record<string, string>;
          secretEnv: Record<string, string>;
          domain?: string;
          registry?: string;
          wait?: boolean;
        },
        command: Command,
      ) => {
        if (Boolean(options.image) === Boolean(options.git)) {
          throw usageError('give --image (run an image) or --git (build a repository)');
        }
        if (options.image && (options.branch || options.buildCommand)) {
          throw usageError('--branch and --build-command go with --git, not --image');
        }
        const session = cli.session(command);
        const api = await session.api();
        const organizationId = await session.organizationId();
        const clusterId = options.cluster
          ? (await resolveCluster(api, () => session.organizationId(), options.cluster)).id
          : undefined;
        const common = {
          organizationId,
          name,
          env: options.env,
          secretEnv: options.secretEnv,
          ...(clusterId ? { clusterId } : {}),
          ...(options.slug ? { slug: options.slug } : {}),
          ...(options.port !== undefined ? { port: options.port } : {}),
          ...(options.publishedPort !== undefined ? { publishedPort: options.publishedPort } : {}),
          ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
          ...(options.domain ? { domain: options.domain } : {}),
          ...(options.registry ? { registryId: options.registry } : {}),
        };
        let app: App;
        try {
          app = await api.app.create.mutate(
            options.image
              ? { ...common, sourceType: 'image', imageUrl: options.image }
              : {
                  ...common,
                  sourceType: 'git',
                  repoUrl: options.git as string,
                  ...(options.branch ? { repoBranch: options.branch } : {}),
                  ...(options.buildCommand ? { buildCommand: options.buildCommand } : {}),
                },
          );
        } catch (error) {
          refusedInput(error, createFlags);
        }
        const [first] = await api.app.deployments.query({ appId: app.id, limit: 1 });
        const json = cli.format(command) === 'json';
        if (!options.wait || !first) {
          if (json) return cli.printJson(app);
          cli.out(appText(app, undefined, first ? [first] : [], cli.colors));
          cli.note(`Deploying. Follow it with: flotilla apps show ${app.slug}`);
          return;
        }
        const done = await waitForDeployment({
          api,
          url: session.url,
          app,
          deployment: first,
          view: stepViewFor(cli, command, `${app.slug} #${first.ordinal}`),
          signal: cli.signal,
          interruptedHint: `stopped waiting; ${app.slug} carries on deploying (flotilla apps show ${app.slug})`,
        });
        const now = await api.app.one.query({ appId: app.id });
        if (json) return cli.printJson({ ...now, deployment: done });
        cli.out(
          `\nApp ${now.slug} is ${paintStatus(cli.colors, now.status)}${
            now.publishedPort ? `, on port ${now.publishedPort} of every node` : ''
          }.\n`,
        );
      },
    );

  apps
    .command('deploy')
    .description(
      'deploy an app again: its current settings, a new image, or (git) the latest commit',
    )
    .argument('<app>', 'name, slug or id')
    .option('--image <ref>', "deploy this image (it becomes the app's image)")
    .option('--no-rebuild', 'git apps: deploy the last built image again instead of building')
    .option(
      '--timeout <seconds>',
      'give up after this long, the previous deployment serving (default 900)',
      positiveInt,
    )
    .option('--wait', 'show the steps and return once the deployment is active')
    .addHelpText(
      'after',
      `
With --wait the exit code says how it ended: 0 active; 1 failed or cancelled (the orchestrator's
reason on stderr; the previous deployment keeps serving); 130 on Ctrl-C (it carries on).`,
    )
    .action(
      async (
        ref: string,
        options: { image?: string; rebuild: boolean; timeout?: number; wait?: boolean },
        command: Command,
      ) => {
        const session = cli.session(command);
        const api = await session.api();
        let app = await resolveApp(api, () => session.organizationId(), ref);
        if (options.image) {
          if (app.sourceType !== 'image') {
            throw usageError(
              `--image: ${app.slug} is built from ${app.sourceType}, not run from an image`,
            );
          }
          try {
            app = await api.app.update.mutate({ appId: app.id, imageUrl: options.image });
          } catch (error) {
            refusedInput(error, { imageUrl: '--image' });
          }
        }
        let deployment: Deployment;
        try {
          deployment = await api.app.deploy.mutate({
            appId: app.id,
            ...(app.sourceType === 'git' ? { rebuild: options.rebuild } : {}),
            ...(options.timeout !== undefined ? { timeoutSeconds: options.timeout } : {}),
          });
        } catch (error) {
          refusedInput(error, { timeoutSeconds: '--timeout' });
        }
        await finishDeploy(command, app, deployment, options.wait, 'Deploying');
      },
    );

  apps
    .command('rollback')
    .description('apply an earlier deployment again (same image digest and spec, no rebuild)')
    .argument('<app>', 'name, slug or id')
    .argument(
      '[deployment]',
      'its number (#3 or 3) or id; default the one that served before the current one',
    )
    .option('--wait', 'show the steps and return once it is active')
    .action(
      async (
        ref: string,
        deploymentRef: string | undefined,
        options: { wait?: boolean },
        command: Command,
      ) => {
        const session = cli.session(command);
        const api = await session.api();
        const app = await resolveApp(api, () => session.organizationId(), ref);
        const history = await api.app.deployments.query({ appId: app.id, limit: 100 });
        let target: Deployment | undefined;
        if (deploymentRef) {
          const ordinal = /^#?(\d+)$/.exec(deploymentRef)?.[1];
          target = history.find(
            (d) =>
              d.id === deploymentRef || (ordinal !== undefined && d.ordinal === Number(ordinal)),
          );
          if (!target)
            throw notFound(
              `${app.slug} has no deployment ${deploymentRef} (see flotilla apps show ${app.slug})`,
            );
        } else {
          // Newest first: the last one that served and was replaced.
          target = history.find((d) => d.status === 'superseded');
          if (!target)
            throw failure(`${app.slug} has no earlier deployment that served to roll back to`);
        }
        const deployment = await api.app.rollback.mutate({
          appId: app.id,
          deploymentId: target.id,
        });
        await finishDeploy(
          command,
          app,
          deployment,
          options.wait,
          `Rolling back to #${target.ordinal}:`,
        );
      },
    );

  apps
    .command('scale')
    .description('run this many tasks of the app (at once, without a new deployment)')
    .argument('<app>', 'name, slug or id')
    .argument('<replicas>', 'how many (0 stops it, keeping everything else)', wholeNumber)
    .option('--wait', 'return once that many tasks run the current spec')
    .option(
      '--timeout <seconds>',
      'with --wait: give up after this long (default 300)',
      positiveInt,
    )
    .action(
      async (
        ref: string,
        replicas: number,
        options: { wait?: boolean; timeout?: number },
        command: Command,
      ) => {
        const session = cli.session(command);
        const api = await session.api();
        const found = await resolveApp(api, () => session.organizationId(), ref);
        let app: App;
        try {
          app = await api.app.update.mutate({ appId: found.id, replicas });
        } catch (error) {
          refusedInput(error, { replicas: '<replicas>' });
        }
        const json = cli.format(command) === 'json';
        if (!options.wait) {
          if (json) return cli.printJson(app);
          cli.out(`Scaling ${app.slug} to ${replicas} replica(s).\n`);
          return;
        }
        let last: AppStatus | undefined;
        const status = await pollUntil(
          async () => {
            // The tasks decide: the app's own status is its last deployment's, which a scale
            // does not change.
            last = await api.app.status.query({ appId: app.id });
            return last.desiredReplicas === replicas && last.readyReplicas === replicas
              ? last
              : undefined;
          },
          {
            signal: cli.signal,
            timeoutMs: (options.timeout ?? 300) * 1000,
            interruptedHint: `stopped waiting; ${app.slug} carries on scaling`,
            timedOut: () =>
              `${app.slug}: ${last?.readyReplicas ?? 0} of ${replicas} replica(s) ready after ${options.timeout ?? 300} s${last ? taskTrouble(last) : ''}`,
          },
        );
        if (json) return cli.printJson(status);
        cli.out(`${app.slug} runs ${status.readyReplicas} replica(s).\n`);
      },
    );

  apps
    .command('restart')
    .description('replace every task of the app with the same spec (no new deployment)')
    .argument('<app>', 'name, slug or id')
    .action(async (ref: string, _options, command: Command) => {
      const session = cli.session(command);
      const api = await session.api();
      const app = await resolveApp(api, () => session.organizationId(), ref);
      const restarted = await api.app.restart.mutate({ appId: app.id });
      if (cli.format(command) === 'json') return cli.printJson(restarted);
      cli.out(`Restarting ${app.slug} (restart #${restarted.restart}).\n`);
    });

  apps
    .command('rm')
    .alias('delete')
    .description('delete an app: its service, tasks and everything it left on the cluster')
    .argument('<app>', 'name, slug or id')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--wait', 'return once nothing of it is left on the cluster')
    .action(async (ref: string, options: { yes?: boolean; wait?: boolean }, command: Command) => {
      const session = cli.session(command);
      const api = await session.api();
      const app = await resolveApp(api, () => session.organizationId(), ref);
      await cli.confirm(
        options.yes,
        `This deletes app ${app.slug} and its service on the cluster`,
        app.slug,
      );
      await api.app.remove.mutate({ appId: app.id });
      const json = cli.format(command) === 'json';
      if (options.wait) {
        await pollUntil(
          async () => {
            try {
              const now = await api.app.one.query({ appId: app.id });
              if (now.status === 'failed') {
                throw failure(
                  `deleting ${app.slug} failed${now.statusReason ? `: ${now.statusReason}` : ''}`,
                );
              }
              return undefined;
            } catch (error) {
              if (cliErrorOf(error, session.url).exitCode === exitCodes.notFound) return true;
              throw error;
            }
          },
          {
            signal: cli.signal,
            timeoutMs: 600_000,
            interruptedHint: `stopped waiting; ${app.slug} is still being deleted`,
            timedOut: () => `${app.slug} is still being deleted after 10 minutes`,
          },
        );
      }
      if (json)
        return cli.printJson({ id: app.id, slug: app.slug, deleted: Boolean(options.wait) });
      cli.out(
        options.wait ? `App ${app.slug} is deleted.\n` : `Deleting app ${app.slug} (${app.id}).\n`,
      );
    });

  apps
    .command('logs')
    .description("an app's output, every task's lines merged by time (-f: and follow new ones)")
    .argument('<app>', 'name, slug or id')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--tail <n>', 'lines from the end of each task (default 200; with -f, 0)', wholeNumber)
    .option('--since <time>', 'only lines after this time (ISO 8601, or Unix seconds)')
    .addHelpText(
      'after',
      '\nWith --output json each line is a JSON object of its own (one per line).',
    )
    .action(
      async (
        ref: string,
        options: { follow?: boolean; tail?: number; since?: string },
        command: Command,
      ) => {
        if (options.follow && options.since) {
          throw usageError('--since goes without -f (following starts now)');
        }
        const session = cli.session(command);
        const api = await session.api();
        const app = await resolveApp(api, () => session.organizationId(), ref);
        const json = cli.format(command) === 'json';
        const colors = cli.colors;
        const print = (line: AppLogLine) => {
          if (json) return cli.out(`${JSON.stringify(line)}\n`);
          const task = line.taskId ? colors.dim(line.taskId.slice(0, 12)) : '';
          const text = line.stream === 'stderr' ? colors.yellow(line.message) : line.message;
          cli.out(`${colors.dim(line.time.slice(0, 23))}  ${task}  ${text}\n`);
        };
        if (!options.follow) {
          let lines: AppLogLine[];
          try {
            lines = await api.app.logs.query({
              appId: app.id,
              ...(options.tail !== undefined ? { tail: Math.max(1, options.tail) } : {}),
              ...(options.since ? { since: options.since } : {}),
            });
          } catch (error) {
            refusedInput(error, { tail: '--tail', since: '--since' });
          }
          for (const line of lines) print(line);
          return;
        }
        await followLogs(cli, api, session.url, app, options.tail ?? 0, print);
      },
    );
}

/**
 * `app.logStream` until Ctrl-C. A dropped stream is opened again, with new lines only (the gap is
 * said so); before each opening the app is looked up, so an app deleted meanwhile, or a token
 * revoked, ends the following with its reason instead of endless retries.
 */
async function followLogs(
  cli: Cli,
  api: FlotillaClient,
  url: string,
  app: App,
  tail: number,
  print: (line: AppLogLine) => void,
): Promise<void> {
  const delays = [500, 1_000, 2_000, 5_000];
  let attempts = 0;
  let lost = false;
  for (let first = true; !cli.signal.aborted; first = false) {
    try {
      await api.app.one.query({ appId: app.id });
    } catch (error) {
      const failed = cliErrorOf(error, url);
      if (failed.exitCode === exitCodes.notFound) {
        cli.note(`App ${app.slug} was deleted.`);
        return;
      }
      if (failed.exitCode !== exitCodes.unavailable) throw failed;
    }
    const reason = await new Promise<string | undefined>((resolve) => {
      const subscription = api.app.logStream.subscribe(
        { appId: app.id, tail: first ? tail : 0 },
        {
          onStarted: () => {
            attempts = 0;
            if (lost) {
              lost = false;
              cli.note('live stream resumed (lines printed meanwhile are not shown)');
            }
          },
          onData: ({ kind: _kind, ...line }) => print(line),
          onConnectionStateChange: (state) => {
            if (state.state === 'connecting' && state.error) finish(state.error.message);
          },
          onError: (error) => finish(cliErrorOf(error, url).message),
          onStopped: () => finish('the server ended the stream'),
        },
      );
      const stop = () => finish(undefined);
      cli.signal.addEventListener('abort', stop, { once: true });
      function finish(why: string | undefined) {
        cli.signal.removeEventListener('abort', stop);
        subscription.unsubscribe();
        resolve(why);
      }
    });
    if (reason === undefined || cli.signal.aborted) break;
    if (!lost) cli.note(`live stream lost (${reason}); reconnecting…`);
    lost = true;
    const delay = delays[Math.min(attempts++, delays.length - 1)] as number;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw new CliError(`stopped following ${app.slug}`, exitCodes.interrupted);
}
