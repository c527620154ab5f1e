// One real API server on a fresh database per test file, and a small HTTP client for it.
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@flotilla/config';
import { createDb, createSql, type Db, type Sql } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { createLogger } from '@flotilla/log';
import {
  createEventHub,
  createRouterServices,
  type EventHub,
  type LoginLimits,
  type RouterServices,
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
}

export async function startApi(options: HarnessOptions = {}): Promise<Harness> {
  const database: TestDatabase = await createTestDatabase();
  const config = loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test' });
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
    openSignup: options.openSignup ?? true,
    events,
    onOutboxWritten: () => {
      kicks++;
    },
    ...(options.loginLimits ? { loginLimits: options.loginLimits } : {}),
  });
  // Provider calls go to a closed loopback port: tests never reach a real cloud API.
  services.cloudClientOptions = () => ({
    baseUrl: 'http://127.0.0.1:1',
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, requestTimeoutMs: 2_000 },
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
