// A table of wrong inputs per procedure: each gets a 4xx whose issues name the offending field.
import { routes } from '@flotilla/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
let clusterId: string;

beforeAll(async () => {
  api = await startApi();
  owner = await registerUser(api, 'bad');
  const cluster = await api.call('POST', '/api/cluster.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name: 'target',
      provider: 'digitalocean',
      region: 'nyc3',
      orchestrator: 'kubernetes',
      nodes: [{ role: 'manager', plan: 'small', count: 1 }],
    },
  });
  clusterId = cluster.body.result.data.id;
});
afterAll(() => api.close());

type Row = [procedure: string, input: () => Record<string, unknown>, field: string];

const rows: Row[] = [
  [
    'auth.register',
    () => ({ email: 'a@b.test', password: 'x'.repeat(201), name: 'A' }),
    'password',
  ],
  [
    'auth.register',
    () => ({ email: 'a@b.test', password: 'long enough pw', name: 'A\u0000' }),
    'name',
  ],
  ['auth.login', () => ({ email: 'nope', password: 'x' }), 'email'],
  ['auth.acceptInvite', () => ({ token: 'short', password: 'long enough pw' }), 'token'],
  ['token.create', () => ({ name: 'x', expiresAt: 'tomorrow' }), 'expiresAt'],
  ['token.list', () => ({ limit: 500 }), 'limit'],
  ['token.revoke', () => ({ tokenId: 'has spaces' }), 'tokenId'],
  ['organization.one', () => ({}), 'organizationId'],
  [
    'organization.members',
    () => ({ organizationId: owner.organizationId, sort: 'password' }),
    'sort',
  ],
  [
    'organization.invite',
    () => ({ organizationId: owner.organizationId, email: 'x@y.test', role: 'god' }),
    'role',
  ],
  ['sshKey.list', () => ({ organizationId: 'x'.repeat(65) }), 'organizationId'],
  [
    'sshKey.create',
    () => ({ organizationId: owner.organizationId, name: 'k', privateKey: 'ssh-ed25519 AAAA' }),
    'privateKey',
  ],
  [
    'sshKey.create',
    () => ({
      organizationId: owner.organizationId,
      name: 'k',
      privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n-----END OPENSSH PRIVATE KEY-----',
    }),
    'privateKey',
  ],
  ['sshKey.generate', () => ({ organizationId: owner.organizationId, name: '' }), 'name'],
  ['sshKey.remove', () => ({ sshKeyId: '' }), 'sshKeyId'],
  ['audit.list', () => ({ organizationId: owner.organizationId, cursor: 'abc' }), 'cursor'],
  ['cluster.all', () => ({ organizationId: owner.organizationId, status: 'sleeping' }), 'status'],
  ['cluster.one', () => ({ clusterId: 'a/b' }), 'clusterId'],
  [
    'cluster.create',
    () => ({
      organizationId: owner.organizationId,
      name: 'x',
      provider: 'aws',
      region: 'us-east-1',
      orchestrator: 'swarm',
      nodes: [],
    }),
    'nodes',
  ],
  ['cluster.update', () => ({ clusterId, name: '-leading-hyphen' }), 'name'],
  ['cluster.remove', () => ({}), 'clusterId'],
  ['cluster.nodes', () => ({ clusterId: '' }), 'clusterId'],
  ['cluster.addNode', () => ({ clusterId, role: 'boss', plan: 'small' }), 'role'],
  ['cluster.addNode', () => ({ clusterId, role: 'worker', plan: 'small', port: 70000 }), 'port'],
  ['cluster.addNode', () => ({ clusterId, role: 'worker', host: '10.0.0.1' }), 'plan'],
  ['cluster.removeNode', () => ({ clusterId }), 'nodeId'],
  ['cluster.grantAccess', () => ({ clusterId, userId: 'usr_x', permission: 'own' }), 'permission'],
  ['cluster.grantAccess', () => ({ clusterId, permission: 'view' }), 'userId'],
  ['cluster.listAccess', () => ({ clusterId: 'x'.repeat(65) }), 'clusterId'],
  ['cluster.revokeAccess', () => ({ clusterId }), 'userId'],
  ['cluster.logs', () => ({ clusterId, limit: 501 }), 'limit'],
  ['cluster.kubeconfig', () => ({}), 'clusterId'],
  ['cluster.events', () => ({ clusterId: '' }), 'clusterId'],
  [
    'provider.setCredentials',
    () => ({
      organizationId: owner.organizationId,
      provider: 'hetzner',
      credentials: { token: 'short' },
    }),
    'credentials.token',
  ],
  [
    'provider.listCredentials',
    () => ({ organizationId: owner.organizationId, provider: 'ibm' }),
    'provider',
  ],
  ['provider.removeCredentials', () => ({ providerCredentialId: '' }), 'providerCredentialId'],
  ['provider.test', () => ({}), 'providerCredentialId'],
];

describe('bad input names the field', () => {
  it.each(rows.map(([procedure, input, field]) => [procedure, field, input] as const))(
    '%s → 400 naming %s',
    async (procedure, field, input) => {
      const route = routes.get(procedure);
      if (!route) throw new Error(`no route ${procedure}`);
      const value = input();
      const reply = await api.call(route.method, `/api/${procedure}`, {
        token: owner.token,
        ...(route.method === 'GET'
          ? { query: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])) }
          : { body: value }),
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(400);
      expect(reply.body.error.code).toBe('BAD_REQUEST');
      expect(reply.body.error.issues.map((issue: { path: string }) => issue.path)).toContain(field);
    },
  );

  it('has a row for every procedure that takes input', () => {
    const covered = new Set(rows.map(([procedure]) => procedure));
    const missing = [...routes.values()]
      .filter((r) => r.input && !covered.has(r.path))
      .map((r) => r.path);
    expect(missing).toEqual([]);
  });
});
