// One real API server on a fresh database per test file, and a small HTTP client for it.
import { promises as dns } from 'node:dns';
import { type AddressInfo, isIP } from 'node:net';
import {
  awsTestCredentials,
  digitalOceanTestToken,
  hetznerTestToken,
} from '@flotilla/cloud-standins';
import { loadConfig } from '@flotilla/config';
import { createDb, createSql, type Db, type Sql } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { createLogger } from '@flotilla/log';
import { networkPolicyFromConfig, type Resolve } from '@flotilla/network-policy';
import {
  createEventHub,
  createRouterServices,
  type EventHub,
  type LoginLimits,
  type RouterServiceOptions,
  type RouterServices,
  routerSettingsFromConfig,
  type SessionLifetimes,
} from '@flotilla/router';
import { createSealer } from '@flotilla/secrets';
import { Redis } from 'ioredis';
import { createApiServer } from '../src/server.ts';

export interface Harness {
  url: string;
  db: Db;
  sql: Sql;
  services: RouterServices;
  events: EventHub;
  outboxKicks: () => number;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  close(): Promise<void>;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  query?: Record<string, string | number>;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the API answered
  body: any;
}

export interface HarnessOptions {
  openSignup?: boolean;
  loginLimits?: LoginLimits;
  /** Where provider clients go; by default a closed loopback port. */
  cloudClientOptions?: RouterServiceOptions['cloudClientOptions'];
  /** More configuration (FLOTILLA_NETWORK_*, FLOTILLA_QUOTA_*, …) as environment variables. */
  env?: Record<string, string>;
  /**
   * What host names resolve to. Names are resolved from this table (and `localhost` from
   * /etc/hosts), never by a DNS query: tests send nothing outside this machine.
   */
  hosts?: Record<string, string[]>;
  /** Session lifetimes shorter than configuration allows (FLOTILLA_SESSION_* take minutes). */
  sessionLifetimes?: SessionLifetimes;
}

function tableResolver(hosts: Record<string, string[]>): Resolve {
  return async (name) => {
    const answers = hosts[name];
    if (answers) return answers.map((address) => ({ address, family: isIP(address) }));
    if (name === 'localhost') return dns.lookup(name, { all: true });
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}

export async function startApi(options: HarnessOptions = {}): Promise<Harness> {
  const database: TestDatabase = await createTestDatabase();
  const config = loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test', ...options.env });
  const log = createLogger({ name: 'api-test', level: 'silent' });
  const db = createDb({ url: database.url });
  const sql = createSql(database.url);
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  const events = createEventHub(sql);
  await events.start();
  let kicks = 0;
  const services = createRouterServices({
    db,
    sql,
    sealer: createSealer(config.masterKey),
    log,
    ...routerSettingsFromConfig(config),
    networkPolicy: networkPolicyFromConfig(config, { resolve: tableResolver(options.hosts ?? {}) }),
    ...(options.sessionLifetimes ? { sessionLifetimes: options.sessionLifetimes } : {}),
    openSignup: options.openSignup ?? true,
    events,
    onOutboxWritten: () => {
      kicks++;
    },
    ...(options.loginLimits ? { loginLimits: options.loginLimits } : {}),
    // Provider calls go to a closed loopback port unless a test names its stand-ins: tests
    // never reach a real cloud API.
    cloudClientOptions:
      options.cloudClientOptions ??
      (() => ({
        baseUrl: 'http://127.0.0.1:1',
        retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, requestTimeoutMs: 2_000 },
      })),
  });
  const server = createApiServer({ config, log, db, sql, redis, services });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    db,
    sql,
    services,
    events,
    outboxKicks: () => kicks,
    async call(method, path, { token, body, rawBody, query, headers = {} } = {}) {
      const search = query
        ? `?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`
        : '';
      const response = await fetch(`${url}${path}${search}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined || rawBody !== undefined
            ? { 'content-type': 'application/json' }
            : {}),
          ...headers,
        },
        ...(rawBody !== undefined
          ? { body: rawBody }
          : body !== undefined
            ? { body: JSON.stringify(body) }
            : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {}
      return { status: response.status, headers: response.headers, body: parsed };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await events.stop();
      redis.disconnect();
      await Promise.all([db.$disconnect(), sql.end()]);
      await database.drop();
    },
  };
}

let counter = 0;

/** Registers a fresh user (open sign-up) and returns their token and own organization. */
export async function registerUser(api: Harness, name = 'user') {
  counter++;
  const email = `${name}-${counter}-${Date.now()}@example.test`;
  const reply = await api.call('POST', '/api/auth.register', {
    body: { email, password: 'correct horse battery', name },
  });
  if (reply.status !== 201)
    throw new Error(`register: ${reply.status} ${JSON.stringify(reply.body)}`);
  const data = reply.body.result.data;
  return {
    token: data.token as string,
    userId: data.user.id as string,
    email,
    organizationId: data.organization.id as string,
  };
}

/**
 * Stores a credential for every cloud provider in the user's organization, as a user does with
 * provider.setCredentials before creating cloud clusters (cluster.create refuses without one).
 * The tokens are the stand-ins' own: nothing here reaches a real cloud.
 */
export async function storeCloudCredentials(
  api: Harness,
  user: { token: string; organizationId: string },
): Promise<void> {
  const credentials = {
    digitalocean: { token: digitalOceanTestToken },
    hetzner: { token: hetznerTestToken },
    aws: { ...awsTestCredentials, region: 'us-east-1' },
  };
  for (const [provider, secret] of Object.entries(credentials)) {
    const reply = await api.call('POST', '/api/provider.setCredentials', {
      token: user.token,
      body: { organizationId: user.organizationId, provider, credentials: secret },
    });
    if (reply.status !== 200) {
      throw new Error(`setCredentials ${provider}: ${reply.status} ${JSON.stringify(reply.body)}`);
    }
  }
}
