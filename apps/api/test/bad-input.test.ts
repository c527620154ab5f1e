// A table of wrong inputs per procedure: each gets a 4xx whose issues name the offending field.
import { routes } from '@flotilla/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi, storeCloudCredentials } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
let clusterId: string;
/** A node of another cluster than `clusterId`. */
let strangerNodeId: string;

beforeAll(async () => {
  api = await startApi();
  owner = await registerUser(api, 'bad');
  await storeCloudCredentials(api, owner);
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
  const other = await api.call('POST', '/api/cluster.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name: 'other',
      provider: 'digitalocean',
      region: 'nyc3',
      orchestrator: 'swarm',
      nodes: [{ role: 'manager', plan: 'small', count: 1 }],
    },
  });
  strangerNodeId = other.body.result.data.nodes[0].id;
});
// Managed databases run on Swarm clusters: one whose organization has no registry yet.
let swarmClusterId: string;
beforeAll(async () => {
  const cluster = await api.call('POST', '/api/cluster.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name: 'databases',
      provider: 'digitalocean',
      region: 'nyc3',
      orchestrator: 'swarm',
      nodes: [{ role: 'manager', plan: 'small', count: 1 }],
    },
  });
  swarmClusterId = cluster.body.result.data.id;
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
  [
    'auth.changePassword',
    () => ({ currentPassword: 'whatever it is', newPassword: 'short' }),
    'newPassword',
  ],
  ['auth.endSession', () => ({ sessionId: '' }), 'sessionId'],
  ['quota.get', () => ({ organizationId: 'a b' }), 'organizationId'],
  ['quota.set', () => ({ organizationId: owner.organizationId, kind: 'gpus', limit: 1 }), 'kind'],
  [
    'quota.set',
    () => ({ organizationId: owner.organizationId, kind: 'clusters', limit: -1 }),
    'limit',
  ],
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
  ['app.all', () => ({ sort: 'password' }), 'sort'],
  ['app.one', () => ({ appId: 'a/b' }), 'appId'],
  [
    'app.create',
    () => ({ clusterId, name: 'x', sourceType: 'image', imageUrl: 'Not An Image' }),
    'imageUrl',
  ],
  [
    'app.create',
    () => ({ clusterId, name: 'x', sourceType: 'image', imageUrl: 'nginx', replicas: 101 }),
    'replicas',
  ],
  [
    'app.create',
    () => ({ clusterId, name: 'x', sourceType: 'git', repoUrl: 'file:///etc' }),
    'repoUrl',
  ],
  ['app.update', () => ({ appId: 'app_x', port: 0 }), 'port'],
  ['app.update', () => ({ appId: 'app_x', env: { 'NOT-A-NAME': 'x' } }), 'env.NOT-A-NAME'],
  ['app.remove', () => ({}), 'appId'],
  ['app.deploy', () => ({ appId: 'app_x', timeoutSeconds: 1 }), 'timeoutSeconds'],
  ['app.restart', () => ({ appId: '' }), 'appId'],
  ['app.status', () => ({}), 'appId'],
  ['app.logs', () => ({ appId: 'app_x', tail: 0 }), 'tail'],
  ['app.logStream', () => ({ appId: 'app_x', tail: 5000 }), 'tail'],
  ['app.buildLog', () => ({ appId: 'app_x', afterId: 'abc' }), 'afterId'],
  ['app.metrics', () => ({ appId: 'x'.repeat(65) }), 'appId'],
  ['app.deployments', () => ({ appId: 'app_x', status: 'sleeping' }), 'status'],
  ['app.rollback', () => ({ appId: 'app_x' }), 'deploymentId'],
  ['app.cancelDeployment', () => ({ appId: 'app_x', deploymentId: '' }), 'deploymentId'],
  ['app.pods', () => ({ appId: '' }), 'appId'],
  ['app.events', () => ({ appId: 'app_x', limit: 501 }), 'limit'],
  ['app.audit', () => ({ appId: 'app_x', before: 'yesterday' }), 'before'],
  ['app.env', () => ({}), 'appId'],
  ['app.build', () => ({ appId: 'app_x' }), 'file'],
  ['cluster.setDefault', () => ({ clusterId: '' }), 'clusterId'],
  [
    'registry.create',
    () => ({ organizationId: owner.organizationId, server: 'https://x/y' }),
    'server',
  ],
  ['registry.all', () => ({}), 'organizationId'],
  ['registry.remove', () => ({ registryId: '' }), 'registryId'],
  ['registry.update', () => ({ registryId: 'reg_x', caCert: 'not a certificate' }), 'caCert'],
  ['registry.test', () => ({}), 'registryId'],
  ['registry.setDefault', () => ({ registryId: 'a b' }), 'registryId'],
  [
    'controlPlane.setAssignment',
    () => ({ entityType: 'browser', entityId: clusterId, nodeName: 'beta' }),
    'entityType',
  ],
  [
    'controlPlane.setAssignment',
    () => ({ entityType: 'cluster', entityId: clusterId }),
    'nodeName',
  ],
  [
    'controlPlane.setAssignment',
    () => ({ entityType: 'cluster', entityId: clusterId, nodeName: 'beta:1' }),
    'nodeName',
  ],
  // A node no process ever registered: a 400 naming it (the cluster-admin page says 500).
  [
    'controlPlane.setAssignment',
    () => ({ entityType: 'cluster', entityId: clusterId, nodeName: 'no-such-node' }),
    'nodeName',
  ],
  [
    'controlPlane.setAssignment',
    () => ({ entityType: 'cluster', entityId: clusterId, nodeName: 'beta', mode: 'sometimes' }),
    'mode',
  ],
  [
    'controlPlane.deleteAssignment',
    () => ({ entityType: 'node', entityId: clusterId }),
    'entityType',
  ],
  ['controlPlane.deleteAssignment', () => ({ entityType: 'cluster' }), 'entityId'],
  ['admin.grant', () => ({}), 'userId'],
  ['admin.grant', () => ({ email: 'not an address' }), 'email'],
  ['admin.revoke', () => ({ userId: 'a b' }), 'userId'],
  // Stacks, adopted clusters and search (issue 18). Bad compose text itself (not YAML, not a
  // mapping, unknown keys) is proven against a real cluster in apps/worker/test/stacks.test.ts.
  ['stack.all', () => ({ organizationId: owner.organizationId, status: 'deleted' }), 'status'],
  ['stack.one', () => ({ stackId: 'a b' }), 'stackId'],
  ['stack.create', () => ({ clusterId, name: '' }), 'name'],
  ['stack.create', () => ({ clusterId, name: 'Shop', stackName: 'Not_A_Label' }), 'stackName'],
  ['stack.update', () => ({ stackId: 'stk_x', name: 'x'.repeat(64) }), 'name'],
  ['stack.remove', () => ({}), 'stackId'],
  ['stack.clone', () => ({ stackId: 'stk_x', name: '' }), 'name'],
  ['stack.setStatus', () => ({ stackId: 'stk_x', status: 'deleted' }), 'status'],
  ['stack.save', () => ({ stackId: 'stk_x', compose: '' }), 'compose'],
  ['stack.deploy', () => ({ stackId: 'stk_x', timeoutSeconds: 5 }), 'timeoutSeconds'],
  ['stack.runs', () => ({ stackId: 'stk_x', limit: 500 }), 'limit'],
  ['stack.run', () => ({ stackId: 'stk_x' }), 'runId'],
  ['stack.versions', () => ({ stackId: 'stk_x', page: 0 }), 'page'],
  ['stack.version', () => ({ stackId: 'stk_x', version: 0 }), 'version'],
  ['stack.compare', () => ({ stackId: 'stk_x', from: 'one', to: 2 }), 'from'],
  ['stack.restore', () => ({ stackId: 'stk_x', version: -1 }), 'version'],
  ['stack.events', () => ({ stackId: '' }), 'stackId'],
  ['stack.analyze', () => ({ compose: 'x'.repeat(600 * 1024) }), 'compose'],
  ['stack.import', () => ({ clusterId, name: 'Shop' }), 'compose'],
  ['stack.import', () => ({ clusterId, compose: 'services: {}\n' }), 'name'],
  ['search.query', () => ({ organizationId: owner.organizationId, q: '' }), 'q'],
  [
    'search.query',
    () => ({ organizationId: owner.organizationId, q: 'x', kinds: 'planet' }),
    'kinds.0',
  ],
  [
    'cluster.import',
    () => ({ organizationId: owner.organizationId, name: 'a', host: '300.1.1.1', sshKeyId: 'k' }),
    'host',
  ],
  ['cluster.test', () => ({ clusterId: '' }), 'clusterId'],
  ['cluster.refresh', () => ({}), 'clusterId'],
  ['cluster.remove', () => ({ clusterId, teardown: 'please' }), 'teardown'],
  // Managed databases (issue 17). Apps of another organization and databases already bound are
  // in databases.test.ts (they need rows of their own).
  ['database.all', () => ({ organizationId: owner.organizationId, sort: 'password' }), 'sort'],
  ['database.one', () => ({ databaseId: 'a/b' }), 'databaseId'],
  ['database.create', () => ({ clusterId, name: 'x', engine: 'mysql' }), 'engine'],
  ['database.create', () => ({ clusterId: swarmClusterId, name: 'x', version: '16' }), 'version'],
  // No registry in the organization to take the image from.
  ['database.create', () => ({ clusterId: swarmClusterId, name: 'x' }), 'registryId'],
  // Kubernetes: databases run there, but without a port published outside (not offered yet).
  ['database.create', () => ({ clusterId, name: 'x', publishedPort: 15432 }), 'publishedPort'],
  [
    'database.create',
    () => ({ clusterId: swarmClusterId, name: 'x', publishedPort: 70000 }),
    'publishedPort',
  ],
  ['database.remove', () => ({}), 'databaseId'],
  ['database.bind', () => ({ databaseId: 'db_x' }), 'appId'],
  ['database.unbind', () => ({ databaseId: '' }), 'databaseId'],
  ['database.credentials', () => ({}), 'databaseId'],
  ['database.backup', () => ({ databaseId: 'a b' }), 'databaseId'],
  ['database.backups', () => ({ databaseId: 'db_x', limit: 1000 }), 'limit'],
  ['database.restore', () => ({ databaseId: 'db_x' }), 'backupId'],
  [
    'database.restore',
    () => ({
      databaseId: 'db_x',
      backupId: 'b',
      targetDatabaseId: 'x',
      newDatabase: { name: 'y' },
    }),
    'newDatabase',
  ],
  // Issue 17: nodes as the platform page has them, templates, platform numbers.
  ['cluster.node', () => ({ nodeId: 'a b' }), 'nodeId'],
  ['cluster.drainNode', () => ({ clusterId }), 'nodeId'],
  // A node of another cluster than the one named.
  ['cluster.drainNode', () => ({ clusterId, nodeId: strangerNodeId }), 'nodeId'],
  ['cluster.activateNode', () => ({ nodeId: '' }), 'nodeId'],
  ['cluster.evacuateNode', () => ({ clusterId: 'a/b', nodeId: 'nod_x' }), 'clusterId'],
  ['cluster.evacuateNode', () => ({ clusterId, nodeId: strangerNodeId }), 'nodeId'],
  ['template.one', () => ({ templateId: 'Not_A_Template' }), 'templateId'],
  // Each parameter against its rule in the template (pattern, min/max, unknown names).
  [
    'template.instantiate',
    () => ({ templateId: 'static-site', clusterId, parameters: { name: 'Not A Name!' } }),
    'parameters.name',
  ],
  [
    'template.instantiate',
    () => ({ templateId: 'static-site', clusterId, parameters: { replicas: 11 } }),
    'parameters.replicas',
  ],
  [
    'template.instantiate',
    () => ({ templateId: 'static-site', clusterId, parameters: { colour: 'red' } }),
    'parameters.colour',
  ],
  [
    'template.instantiate',
    () => ({ templateId: 'static-site', clusterId, parameters: { registry: 'https://x/' } }),
    'parameters.registry',
  ],
  ['template.instantiate', () => ({ templateId: 'static-site', clusterId: '' }), 'clusterId'],
  ['platform.stats', () => ({ organizationId: 'a b' }), 'organizationId'],
  ['platform.clusters', () => ({ limit: 1000 }), 'limit'],
  ['platform.cluster', () => ({ clusterId: '' }), 'clusterId'],
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
