// What the apps tests share: a 3-node testbed Swarm (or k3s cluster, with the k3s stand-in)
// formed through the API, the testbed's registry (with credentials) as the organization's
// default, the real API server on a port of this machine, and the apps driven as a user drives
// them — HTTP at the page's paths (`/api/v1/apps…`) with a bearer token.
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createApiServer } from '@flotilla/api';
import { loadConfig } from '@flotilla/config';
import { createSql, type Sql } from '@flotilla/db';
import { createLogger } from '@flotilla/log';
import { createTestbed, k3sStandinPath, type Testbed, type TestImages } from '@flotilla/testbed';
import { Redis } from 'ioredis';
import type { EngineSettings } from '../src/engine.ts';
import { engineSettings, type RunningWorker, startWorker } from '../src/worker.ts';
import {
  clusterReaches,
  createCluster,
  createFixture,
  eventually,
  exited,
  type Fixture,
} from './fixture.ts';

export interface Reply<T = unknown> {
  status: number;
  data: T;
  text: string;
}

export interface AppsBed {
  fx: Fixture;
  testbed: Testbed;
  images: TestImages;
  clusterId: string;
  /** The testbed servers' addresses: where host-mode published ports answer. */
  hosts: string[];
  url: string;
  token: string;
  http<T = unknown>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<Reply<T>>;
  /** `docker …` on the first manager, its output. */
  docker(command: string): Promise<string>;
  /** `k3s kubectl … -o json` on the first server (Kubernetes beds), parsed. */
  kubectl<T = unknown>(args: string): Promise<T>;
  /** The worker in this process (`worker: 'in-process'`). */
  worker?: RunningWorker;
  /** Starts a worker process (`worker: 'child'`), as `pnpm start` runs it. */
  startChild(): ChildProcess;
  /** The worker processes started so far, oldest first. */
  workers(): ChildProcess[];
  close(): Promise<void>;
}

export const appEnv = {
  // The testbed has no IPVS: published ports answer in host mode only (see @flotilla/deploy).
  APP_PUBLISH_MODE: 'host',
  // Its registry listens on this machine's address on the testbed bridge, which the network
  // policy refuses as one of the control plane's own unless allowed.
  FLOTILLA_NETWORK_ALLOW: '10.201.0.0/16',
} as const;

export async function startAppsBed({
  env = {},
  worker = 'in-process',
  orchestrator = 'swarm',
  apps = {},
  trustRegistry = true,
}: {
  env?: Record<string, string>;
  worker?: 'in-process' | 'child';
  /**
   * `kubernetes`: k3s from the stand-in binary (K3S_ARTIFACT), its API spoken over TLS with
   * the cluster's kubeconfig through the SSH tunnel by the worker and the API server.
   */
  orchestrator?: 'swarm' | 'kubernetes';
  /** App settings of the in-process worker beyond the configured ones. */
  apps?: Partial<EngineSettings['apps']>;
  /**
   * False: the servers do not trust the testbed registry by themselves; its CA is stored on the
   * registry (`caCert`) and Flotilla has to put it on the nodes.
   */
  trustRegistry?: boolean;
} = {}): Promise<AppsBed> {
  const kubernetes = orchestrator === 'kubernetes';
  const fx = await createFixture({
    ...appEnv,
    ...(kubernetes ? { K3S_ARTIFACT: k3sStandinPath } : {}),
    ...env,
  });
  const testbed = await createTestbed({
    hosts: 3,
    authorizedKeys: [fx.keys.publicKey],
    registryAuth: true,
    trustRegistry,
  });
  const [a, b, c] = testbed.hosts;
  if (!a || !b || !c) throw new Error('testbed has too few hosts');
  // Sources without a Dockerfile build on the testbed's HTTP image (what testbed.images() pushes).
  const workerEnv = { ...fx.env, BUILD_BASE_IMAGE: `${testbed.registry.address}/flotilla/http:v1` };
  const children: ChildProcess[] = [];
  const startChild = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: { ...process.env, ...workerEnv },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  };
  let running: RunningWorker | undefined;
  if (worker === 'in-process') {
    const config = loadConfig(workerEnv);
    running = await startWorker({
      config,
      settings: {
        sshWaitTimeoutMs: 10_000,
        apps: { ...engineSettings(config).apps, ...apps },
      },
    });
  } else {
    startChild();
  }
  const [images, clusterId] = await Promise.all([
    testbed.images(),
    createCluster(fx, {
      name: 'apps',
      orchestrator,
      nodes: [
        { role: 'manager', host: a },
        { role: 'worker', host: b },
        { role: 'worker', host: c },
      ],
    }),
  ]);
  const sql: Sql = createSql(fx.config.DATABASE_URL);
  const redis = new Redis(fx.config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const log = createLogger({ name: 'api-test', level: 'silent' });
  const server = createApiServer({
    config: fx.config,
    log,
    db: fx.db,
    sql,
    redis,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { token } = await fx.api().token.create({ name: 'apps-test' });

  const http: AppsBed['http'] = async (method, path, body) => {
    const isForm = typeof FormData !== 'undefined' && body instanceof FormData;
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && !isForm ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: isForm ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const data = (parsed as { result?: { data?: unknown } } | undefined)?.result?.data ?? parsed;
    return { status: res.status, data: data as never, text };
  };

  // Through the API server: its network policy is the configured one (the testbed allowed).
  const registry = await http<{ id: string }>('POST', '/api/registry.create', {
    organizationId: fx.orgId,
    name: 'testbed',
    server: testbed.registry.address,
    username: testbed.registry.username,
    password: testbed.registry.password,
    makeDefault: true,
    ...(trustRegistry ? {} : { caCert: testbed.registry.caCert }),
  });
  if (registry.status !== 201) throw new Error(`registry.create: ${registry.text}`);

  return {
    fx,
    testbed,
    images,
    clusterId: (await clusterReaches(fx, clusterId, 'running', 180_000)).id,
    hosts: testbed.hosts.map((h) => h.host),
    url,
    token,
    http,
    ...(running ? { worker: running } : {}),
    startChild,
    workers: () => [...children],
    async docker(command) {
      const out = await testbed.exec(a.name, `docker ${command}`);
      if (out.code !== 0) throw new Error(`docker ${command}: ${out.stderr.trim()}`);
      return out.stdout;
    },
    async kubectl(args) {
      const out = await testbed.exec(a.name, `k3s kubectl ${args} -o json`);
      if (out.code !== 0) throw new Error(`kubectl ${args}: ${out.stderr.trim()}`);
      return JSON.parse(out.stdout);
    },
    async close() {
      await running?.close(true);
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(children.map(exited));
      server.close();
      server.closeAllConnections();
      await sql.end();
      redis.disconnect();
      await testbed.destroy();
      await fx.close();
    },
  };
}

export interface RestDeployment {
  id: string;
  status: string;
  image: string | null;
  reason?: string | null;
  trigger?: string;
  created_at: string;
}

/** Waits until the deployment is no longer under way; resolves to it. */
export function deploymentSettles(
  bed: AppsBed,
  appId: string,
  deploymentId: string,
  timeoutMs = 180_000,
): Promise<RestDeployment> {
  return eventually(
    `deployment ${deploymentId} settled`,
    async () => {
      const list = await bed.http<RestDeployment[]>('GET', `/api/v1/apps/${appId}/deployments`);
      const found = list.data.find((d) => d.id === deploymentId);
      return found && !['queued', 'building', 'deploying'].includes(found.status)
        ? found
        : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** The newest deployment of the app (the history is newest first). */
export async function latestDeployment(bed: AppsBed, appId: string): Promise<RestDeployment> {
  const list = await bed.http<RestDeployment[]>('GET', `/api/v1/apps/${appId}/deployments`);
  const [first] = list.data;
  if (!first) throw new Error(`app ${appId} has no deployment: ${list.text}`);
  return first;
}

/** `docker service ps` on a manager: the service's running tasks as "node image". */
export async function servicePs(bed: AppsBed, service: string): Promise<string[]> {
  const out = await bed.docker(
    `service ps ${service} --filter desired-state=running --format '{{.Node}}|{{.CurrentState}}|{{.Image}}'`,
  );
  return out
    .trim()
    .split('\n')
    .filter((line) => line.split('|')[1]?.startsWith('Running'))
    .map((line) => {
      const [node, , image] = line.split('|');
      return `${node} ${image}`;
    })
    .sort();
}

type Probe =
  | { kind: 'unreachable' }
  | { kind: 'answer'; status: number; body: string }
  | { kind: 'error'; error: string };

/**
 * One GET as a balancer in front of host-mode ports sends it: a node that refuses, or does not
 * accept the connection within a second (its task is being replaced and its port rule is going),
 * is unreachable and the next one is tried. So is one that closes the connection before sending
 * any of an answer (its container stopped as the request arrived): nginx's default
 * `proxy_next_upstream error` passes such a GET to the next server too. Once an answer has
 * begun, it must be whole and right.
 */
function probe(host: string, port: number): Promise<Probe> {
  return new Promise((resolve) => {
    let connected = false;
    let answered = false;
    const req = request({ host, port, path: '/', agent: false }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ kind: 'answer', status: res.statusCode ?? 0, body: body.trim() }),
      );
      res.on('error', (error) => resolve({ kind: 'error', error: String(error) }));
    });
    const connectTimer = setTimeout(() => {
      if (!connected) {
        req.destroy();
        resolve({ kind: 'unreachable' });
      }
    }, 1_000);
    req.on('socket', (socket) =>
      socket.once('connect', () => {
        connected = true;
        clearTimeout(connectTimer);
      }),
    );
    req.setTimeout(5_000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      const refused = !connected && error.code === 'ECONNREFUSED';
      const closedUnanswered = connected && !answered && error.code === 'ECONNRESET';
      resolve(
        refused || closedUnanswered
          ? { kind: 'unreachable' }
          : { kind: 'error', error: `${error.code ?? ''} ${error.message}` },
      );
    });
    req.end();
  });
}

/** Requests in a loop through the balancer above; an error is a request no node served right. */
export function balancedLoop(hosts: string[], port: number, expected: string[]) {
  let stopped = false;
  const stats = {
    requests: 0,
    skipped: 0,
    errors: [] as string[],
    bodies: new Map<string, number>(),
  };
  const run = (async () => {
    let next = 0;
    while (!stopped) {
      let served = false;
      for (let tried = 0; tried < hosts.length && !served; tried++) {
        const host = hosts[next++ % hosts.length] as string;
        const seen = await probe(host, port);
        if (seen.kind === 'unreachable') {
          stats.skipped++;
          continue;
        }
        served = true;
        if (seen.kind === 'error') stats.errors.push(`${host}: ${seen.error}`);
        else {
          stats.bodies.set(seen.body, (stats.bodies.get(seen.body) ?? 0) + 1);
          if (seen.status !== 200 || !expected.includes(seen.body)) {
            stats.errors.push(`${host}: HTTP ${seen.status} ${seen.body.slice(0, 80)}`);
          }
        }
      }
      if (!served) stats.errors.push('no node answered');
      stats.requests++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stats,
    async stop() {
      stopped = true;
      await run;
      return stats;
    },
  };
}
