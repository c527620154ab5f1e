// Every procedure × every kind of caller: organization roles, cluster grants to outsiders, a
// user of another organization, no token. Another organization's resources answer 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi, storeCloudCredentials } from './harness.ts';

const actors = ['owner', 'admin', 'member', 'viewer', 'manager', 'stranger', 'anonymous'] as const;
type Actor = (typeof actors)[number];

let api: Harness;
const tokens = {} as Record<Actor, string | undefined>;
let organizationId: string;
let userIds: Record<string, string>;

async function join(role: 'admin' | 'member') {
  const email = `${role}-${Date.now()}@example.test`;
  const invite = await api.call('POST', '/api/organization.invite', {
    token: tokens.owner,
    body: { organizationId, email, role },
  });
  const accepted = await api.call('POST', '/api/auth.acceptInvite', {
    body: { token: invite.body.result.data.token, name: role, password: 'correct horse battery' },
  });
  return accepted.body.result.data as { token: string; user: { id: string } };
}

/** A fresh cluster (1 manager, 2 workers) with view and manage grants for the outsiders. */
async function newCluster() {
  const reply = await api.call('POST', '/api/cluster.create', {
    token: tokens.owner,
    body: {
      organizationId,
      name: `c-${Math.random().toString(36).slice(2, 10)}`,
      provider: 'digitalocean',
      region: 'ams3',
      orchestrator: 'kubernetes',
      nodes: [
        { role: 'manager', plan: 'small', count: 1 },
        { role: 'worker', plan: 'small', count: 2 },
      ],
    },
  });
  const cluster = reply.body.result.data;
  for (const [who, permission] of [
    ['viewer', 'view'],
    ['manager', 'manage'],
  ] as const) {
    await api.call('POST', '/api/cluster.grantAccess', {
      token: tokens.owner,
      body: { clusterId: cluster.id, userId: userIds[who], permission },
    });
  }
  return { clusterId: cluster.id as string, workerId: cluster.nodes[2].id as string };
}

beforeAll(async () => {
  api = await startApi();
  const owner = await registerUser(api, 'owner');
  await storeCloudCredentials(api, owner);
  tokens.owner = owner.token;
  organizationId = owner.organizationId;
  const admin = await join('admin');
  const member = await join('member');
  tokens.admin = admin.token;
  tokens.member = member.token;
  const viewer = await registerUser(api, 'viewer');
  const manager = await registerUser(api, 'manager');
  const stranger = await registerUser(api, 'stranger');
  tokens.viewer = viewer.token;
  tokens.manager = manager.token;
  tokens.stranger = stranger.token;
  tokens.anonymous = undefined;
  const bystander = await registerUser(api, 'bystander');
  userIds = {
    viewer: viewer.userId,
    manager: manager.userId,
    stranger: stranger.userId,
    bystander: bystander.userId,
  };
});
afterAll(() => api.close());

/** A worker node of the control plane, as a worker process registers it. */
async function workerNode(name: string) {
  await api.db.controlPlaneNode.upsert({
    where: { name_role: { name, role: 'worker' } },
    create: {
      name,
      role: 'worker',
      tags: [],
      version: '0.1.0',
      hostname: 'test',
      pid: 1,
      instanceId: name,
      startedAt: new Date(),
      lastHeartbeatAt: new Date(),
      heartbeatMs: 10_000,
      onlineUntil: new Date(Date.now() + 30_000),
    },
    update: {},
  });
  return name;
}

type Request = {
  method: string;
  path: string;
  body?: unknown;
  query?: Record<string, string>;
  /** A body sent as it is (an upload), with its own content type. */
  raw?: { body: string; type: string };
};
type Case = {
  make: () => Promise<Request>;
  expect: Partial<Record<Actor, number>>;
};

// Shorthands for the common shapes of the table below.
const org = (ok: number, member: number) => ({
  owner: ok,
  admin: ok,
  member,
  viewer: 404,
  manager: 404,
  stranger: 404,
  anonymous: 401,
});
const clusterRead = (ok: number) => ({
  owner: ok,
  admin: ok,
  member: ok,
  viewer: ok,
  manager: ok,
  stranger: 404,
  anonymous: 401,
});
const clusterManage = (ok: number) => ({
  owner: ok,
  admin: ok,
  member: 403,
  viewer: 403,
  manager: ok,
  stranger: 404,
  anonymous: 401,
});
const clusterAdmin = (ok: number) => ({ ...clusterManage(ok), manager: 403 });
const instanceAdmin = (ok: number) => ({
  owner: ok,
  admin: 403,
  member: 403,
  viewer: 403,
  manager: 403,
  stranger: 403,
  anonymous: 401,
});
const self = (ok: number) => ({
  owner: ok,
  admin: ok,
  member: ok,
  viewer: ok,
  manager: ok,
  stranger: ok,
  anonymous: 401,
});

let shared: { clusterId: string; workerId: string };
const sharedCluster = async () => {
  shared ??= await newCluster();
  return shared;
};

async function newCredential() {
  const reply = await api.call('POST', '/api/provider.setCredentials', {
    token: tokens.owner,
    body: {
      organizationId,
      provider: 'hetzner',
      name: `cred-${Math.random().toString(36).slice(2, 10)}`,
      credentials: { token: 'h'.repeat(64) },
    },
  });
  return reply.body.result.data.id as string;
}

/** An image app on a fresh cluster (grants as newCluster gives them), with one deployment. */
async function newApp() {
  const { clusterId } = await newCluster();
  const reply = await api.call('POST', '/api/app.create', {
    token: tokens.owner,
    body: {
      clusterId,
      name: `a-${Math.random().toString(36).slice(2, 10)}`,
      sourceType: 'image',
      imageUrl: 'nginx:1.27',
    },
  });
  const app = reply.body.result.data as { id: string };
  const deployment = await api.db.deployment.findFirstOrThrow({ where: { appId: app.id } });
  return { appId: app.id, deploymentId: deployment.id, clusterId };
}
let sharedAppValue: Awaited<ReturnType<typeof newApp>> | undefined;
const sharedApp = async () => {
  sharedAppValue ??= await newApp();
  return sharedAppValue;
};
/** An app whose only deployment has finished (so a new one may start). */
async function idleApp() {
  const app = await newApp();
  await api.db.deployment.update({
    where: { id: app.deploymentId },
    data: { status: 'superseded', spec: { orchestrator: 'swarm' } },
  });
  await api.db.deployment.create({
    data: {
      id: `dep_${app.appId}`,
      appId: app.appId,
      ordinal: 2,
      trigger: 'deploy',
      status: 'active',
      image: 'nginx:1.27',
      deadlineAt: new Date(),
    },
  });
  return app;
}
async function newRegistry() {
  const reply = await api.call('POST', '/api/registry.create', {
    token: tokens.owner,
    body: { organizationId, server: '10.201.250.1:5443', name: `r-${Math.random()}` },
  });
  return reply.body.result.data.id as string;
}
const appRead = (path: string, ok = 200) => ({
  make: async () => ({ method: 'GET', path, query: { appId: (await sharedApp()).appId } }),
  expect: clusterRead(ok),
});
const appCases: Record<string, Case> = {
  'app.all': {
    make: async () => {
      await sharedApp();
      return { method: 'GET', path: 'app.all', query: { organizationId } };
    },
    expect: { ...clusterRead(200), viewer: 200, manager: 200, stranger: 404 },
  },
  'app.one': appRead('app.one'),
  'app.deployments': appRead('app.deployments'),
  'app.buildLog': appRead('app.buildLog'),
  'app.audit': appRead('app.audit'),
  // The app's Kubernetes cluster has no manager reached yet: a live read that passed the access
  // check is 503 (try again); logs and metrics are not read on Kubernetes: 501.
  'app.status': appRead('app.status', 503),
  'app.pods': appRead('app.pods', 503),
  'app.logs': appRead('app.logs', 501),
  'app.metrics': appRead('app.metrics', 501),
  'app.events': appRead('app.events', 503),
  'app.env': {
    make: async () => ({
      method: 'GET',
      path: 'app.env',
      query: { appId: (await sharedApp()).appId },
    }),
    expect: clusterManage(200),
  },
  'app.create': {
    make: async () => ({
      method: 'POST',
      path: 'app.create',
      body: {
        clusterId: (await sharedCluster()).clusterId,
        name: `c-${Math.random().toString(36).slice(2, 10)}`,
        sourceType: 'image',
        imageUrl: 'nginx:1.27',
      },
    }),
    expect: clusterManage(201),
  },
  'app.update': {
    make: async () => ({
      method: 'PATCH',
      path: 'app.update',
      body: { appId: (await sharedApp()).appId, env: { X: '1' } },
    }),
    expect: clusterManage(200),
  },
  'app.deploy': {
    make: async () => ({
      method: 'POST',
      path: 'app.deploy',
      body: { appId: (await idleApp()).appId },
    }),
    expect: clusterManage(201),
  },
  'app.restart': {
    make: async () => ({
      method: 'POST',
      path: 'app.restart',
      body: { appId: (await idleApp()).appId },
    }),
    expect: clusterManage(200),
  },
  'app.rollback': {
    make: async () => {
      const app = await idleApp();
      return {
        method: 'POST',
        path: 'app.rollback',
        body: { appId: app.appId, deploymentId: app.deploymentId },
      };
    },
    expect: clusterManage(201),
  },
  'app.cancelDeployment': {
    make: async () => {
      const app = await newApp();
      return {
        method: 'POST',
        path: 'app.cancelDeployment',
        body: { appId: app.appId, deploymentId: app.deploymentId },
      };
    },
    expect: clusterManage(200),
  },
  // An image app takes no upload: 409 means access passed.
  'app.build': {
    make: async () => ({
      method: 'POST',
      path: 'app.build',
      query: { appId: (await sharedApp()).appId },
      raw: { body: 'not read', type: 'application/gzip' },
    }),
    expect: clusterManage(409),
  },
  'app.remove': {
    make: async () => ({
      method: 'DELETE',
      path: 'app.remove',
      body: { appId: (await newApp()).appId },
    }),
    expect: clusterManage(204),
  },
  'cluster.setDefault': {
    make: async () => ({
      method: 'POST',
      path: 'cluster.setDefault',
      body: { clusterId: (await sharedCluster()).clusterId },
    }),
    expect: clusterAdmin(200),
  },
  'registry.create': {
    make: async () => ({
      method: 'POST',
      path: 'registry.create',
      body: { organizationId, server: '10.201.250.1:5443', name: `r-${Math.random()}` },
    }),
    expect: org(201, 403),
  },
  'registry.all': {
    make: async () => ({ method: 'GET', path: 'registry.all', query: { organizationId } }),
    expect: org(200, 200),
  },
  'registry.setDefault': {
    make: async () => ({
      method: 'POST',
      path: 'registry.setDefault',
      body: { registryId: await newRegistry() },
    }),
    expect: org(200, 403),
  },
  // Nothing listens there: 200 with ok false means access passed.
  'registry.test': {
    make: async () => ({
      method: 'POST',
      path: 'registry.test',
      body: { registryId: await newRegistry() },
    }),
    expect: org(200, 403),
  },
  'registry.update': {
    make: async () => ({
      method: 'PATCH',
      path: 'registry.update',
      body: { registryId: await newRegistry(), username: 'pull' },
    }),
    expect: org(200, 403),
  },
  'registry.remove': {
    make: async () => ({
      method: 'DELETE',
      path: 'registry.remove',
      body: { registryId: await newRegistry() },
    }),
    expect: org(204, 403),
  },
};

// Managed databases (issue 17): the database's cluster decides, as for apps. They run on Swarm
// clusters only, with images from the organization's registry.
let swarmValue: Promise<{ clusterId: string; registryId: string }> | undefined;
const swarmCluster = () => {
  swarmValue ??= (async () => {
    const reply = await api.call('POST', '/api/cluster.create', {
      token: tokens.owner,
      body: {
        organizationId,
        name: `sw-${Math.random().toString(36).slice(2, 10)}`,
        provider: 'digitalocean',
        region: 'ams3',
        orchestrator: 'swarm',
        nodes: [{ role: 'manager', plan: 'small', count: 1 }],
      },
    });
    const clusterId = reply.body.result.data.id as string;
    for (const [who, permission] of [
      ['viewer', 'view'],
      ['manager', 'manage'],
    ] as const) {
      await api.call('POST', '/api/cluster.grantAccess', {
        token: tokens.owner,
        body: { clusterId, userId: userIds[who], permission },
      });
    }
    return { clusterId, registryId: await newRegistry() };
  })();
  return swarmValue;
};
/** A database on the shared Swarm cluster; `ready` as the worker would have made it. */
async function newDatabase(options: { ready?: boolean } = {}) {
  const { clusterId, registryId } = await swarmCluster();
  const reply = await api.call('POST', '/api/database.create', {
    token: tokens.owner,
    body: { clusterId, registryId, name: `d-${Math.random().toString(36).slice(2, 10)}` },
  });
  if (reply.status !== 201) throw new Error(`database.create: ${JSON.stringify(reply.body)}`);
  const databaseId = reply.body.result.data.id as string;
  if (options.ready) {
    await api.db.managedDatabase.update({ where: { id: databaseId }, data: { status: 'ready' } });
  }
  return { databaseId, clusterId };
}
let sharedDatabaseValue: ReturnType<typeof newDatabase> | undefined;
const sharedDatabase = () => {
  sharedDatabaseValue ??= newDatabase();
  return sharedDatabaseValue;
};
const databaseRead = (path: string) => ({
  make: async () => ({
    method: 'GET',
    path,
    query: { databaseId: (await sharedDatabase()).databaseId },
  }),
  expect: clusterRead(200),
});
const databaseCases: Record<string, Case> = {
  'database.engines': {
    make: async () => ({ method: 'GET', path: 'database.engines' }),
    expect: self(200),
  },
  'database.all': {
    make: async () => {
      await sharedDatabase();
      return { method: 'GET', path: 'database.all', query: { organizationId } };
    },
    expect: clusterRead(200),
  },
  'database.one': databaseRead('database.one'),
  'database.backups': databaseRead('database.backups'),
  'database.credentials': {
    make: async () => ({
      method: 'GET',
      path: 'database.credentials',
      query: { databaseId: (await sharedDatabase()).databaseId },
    }),
    expect: clusterManage(200),
  },
  'database.create': {
    make: async () => {
      const { clusterId, registryId } = await swarmCluster();
      return {
        method: 'POST',
        path: 'database.create',
        body: { clusterId, registryId, name: `c-${Math.random().toString(36).slice(2, 10)}` },
      };
    },
    expect: clusterManage(201),
  },
  'database.remove': {
    make: async () => ({
      method: 'DELETE',
      path: 'database.remove',
      body: { databaseId: (await newDatabase()).databaseId },
    }),
    expect: clusterManage(204),
  },
  'database.bind': {
    make: async () => {
      const { databaseId, clusterId } = await newDatabase();
      const app = await api.call('POST', '/api/app.create', {
        token: tokens.owner,
        body: {
          clusterId,
          name: `a-${Math.random().toString(36).slice(2, 10)}`,
          sourceType: 'image',
          imageUrl: 'nginx:1.27',
        },
      });
      const appId = app.body.result.data.id as string;
      return { method: 'POST', path: 'database.bind', body: { databaseId, appId } };
    },
    expect: clusterManage(200),
  },
  // A binding still waiting for its database: unbinding it drops it (200).
  'database.unbind': {
    make: async () => {
      const { databaseId } = await newDatabase();
      const { appId } = await sharedApp();
      await api.db.databaseBinding.create({
        data: { id: `dbb_${databaseId}`, databaseId, appId },
      });
      return { method: 'POST', path: 'database.unbind', body: { databaseId } };
    },
    expect: clusterManage(200),
  },
  'database.backup': {
    make: async () => ({
      method: 'POST',
      path: 'database.backup',
      body: { databaseId: (await newDatabase({ ready: true })).databaseId },
    }),
    expect: clusterManage(201),
  },
  'database.restore': {
    make: async () => {
      const { databaseId } = await newDatabase({ ready: true });
      const backupId = `bak_${databaseId}`;
      await api.db.databaseBackup.create({
        data: { id: backupId, databaseId, status: 'succeeded', location: `${databaseId}/x.dump` },
      });
      return { method: 'POST', path: 'database.restore', body: { databaseId, backupId } };
    },
    expect: clusterManage(201),
  },
};

// Stacks (issue 18): the stack's cluster decides, as for apps. Fresh stacks on the shared
// cluster (its grants as newCluster gives them).
const webOnly = 'services:\n  web:\n    image: registry.example.com/team/web:1\n';
async function newStack(options: { deploy?: boolean; settled?: boolean } = {}) {
  const { clusterId } = await sharedCluster();
  const reply = await api.call('POST', '/api/stack.import', {
    token: tokens.owner,
    body: {
      clusterId,
      name: `s-${Math.random().toString(36).slice(2, 10)}`,
      compose: webOnly,
      deploy: options.deploy ?? false,
    },
  });
  if (reply.status !== 201) throw new Error(`stack.import: ${JSON.stringify(reply.body)}`);
  const stackId = reply.body.result.data.id as string;
  // A run the worker would have finished (none runs here), so another may start.
  if (options.settled) {
    await api.db.stackRun.updateMany({ where: { stackId }, data: { status: 'succeeded' } });
  }
  const run = await api.db.stackRun.findFirst({ where: { stackId } });
  return { stackId, runId: run?.id ?? '', clusterId };
}
let sharedStackValue: Awaited<ReturnType<typeof newStack>> | undefined;
const sharedStack = async () => {
  sharedStackValue ??= await newStack({ deploy: true });
  return sharedStackValue;
};
const stackRead = (path: string, extra: Record<string, string> = {}) => ({
  make: async () => ({
    method: 'GET',
    path,
    query: { stackId: (await sharedStack()).stackId, ...extra },
  }),
  expect: clusterRead(200),
});
const stackCases: Record<string, Case> = {
  'stack.all': {
    make: async () => {
      await sharedStack();
      return { method: 'GET', path: 'stack.all', query: { organizationId } };
    },
    expect: clusterRead(200),
  },
  'stack.one': stackRead('stack.one'),
  'stack.runs': stackRead('stack.runs'),
  'stack.versions': stackRead('stack.versions'),
  'stack.version': stackRead('stack.version', { version: '1' }),
  'stack.compare': stackRead('stack.compare', { from: '1', to: '1' }),
  'stack.run': {
    make: async () => {
      const { stackId, runId } = await sharedStack();
      return { method: 'GET', path: 'stack.run', query: { stackId, runId } };
    },
    expect: clusterRead(200),
  },
  'stack.create': {
    make: async () => ({
      method: 'POST',
      path: 'stack.create',
      body: {
        clusterId: (await sharedCluster()).clusterId,
        name: `c-${Math.random().toString(36).slice(2, 10)}`,
      },
    }),
    expect: clusterManage(201),
  },
  'stack.import': {
    make: async () => ({
      method: 'POST',
      path: 'stack.import',
      body: {
        clusterId: (await sharedCluster()).clusterId,
        name: `i-${Math.random().toString(36).slice(2, 10)}`,
        compose: webOnly,
      },
    }),
    expect: clusterManage(201),
  },
  'stack.update': {
    make: async () => ({
      method: 'PATCH',
      path: 'stack.update',
      body: { stackId: (await sharedStack()).stackId, description: 'matrix' },
    }),
    expect: clusterManage(200),
  },
  'stack.setStatus': {
    make: async () => ({
      method: 'POST',
      path: 'stack.setStatus',
      body: { stackId: (await sharedStack()).stackId, status: 'published' },
    }),
    expect: clusterManage(200),
  },
  'stack.save': {
    make: async () => ({
      method: 'POST',
      path: 'stack.save',
      body: { stackId: (await sharedStack()).stackId, compose: webOnly },
    }),
    expect: clusterManage(200),
  },
  'stack.deploy': {
    make: async () => ({
      method: 'POST',
      path: 'stack.deploy',
      body: { stackId: (await newStack()).stackId },
    }),
    expect: clusterManage(201),
  },
  'stack.restore': {
    make: async () => ({
      method: 'POST',
      path: 'stack.restore',
      body: { stackId: (await newStack({ deploy: true, settled: true })).stackId, version: 1 },
    }),
    expect: clusterManage(201),
  },
  'stack.clone': {
    make: async () => ({
      method: 'POST',
      path: 'stack.clone',
      body: {
        stackId: (await sharedStack()).stackId,
        name: `k-${Math.random().toString(36).slice(2, 10)}`,
      },
    }),
    expect: clusterManage(201),
  },
  'stack.remove': {
    make: async () => ({
      method: 'DELETE',
      path: 'stack.remove',
      body: { stackId: (await newStack()).stackId },
    }),
    expect: clusterManage(204),
  },
  // Reads only the file it is given: any signed-in caller.
  'stack.analyze': {
    make: async () => ({ method: 'POST', path: 'stack.analyze', body: { compose: webOnly } }),
    expect: self(200),
  },
  'search.query': {
    make: async () => {
      await sharedStack();
      return { method: 'GET', path: 'search.query', query: { organizationId, q: 's-' } };
    },
    expect: clusterRead(200),
  },
  // Access passes, then the manager is not reachable: the 400 names the host.
  'cluster.import': {
    make: async () => ({
      method: 'POST',
      path: 'cluster.import',
      body: {
        organizationId,
        name: `a-${Math.random().toString(36).slice(2, 10)}`,
        host: '127.0.0.1',
        port: 9,
        sshKeyId: await ownerKey(),
      },
    }),
    expect: org(400, 403),
  },
  // A cloud cluster still provisioning: reached by nobody, answered as such (200).
  'cluster.test': {
    make: async () => ({
      method: 'POST',
      path: 'cluster.test',
      body: { clusterId: (await sharedCluster()).clusterId },
    }),
    expect: clusterRead(200),
  },
  // 409: access passed, and no manager answers.
  'cluster.refresh': {
    make: async () => ({
      method: 'POST',
      path: 'cluster.refresh',
      body: { clusterId: (await sharedCluster()).clusterId },
    }),
    expect: clusterManage(409),
  },
};
// Issue 17: nodes as the platform page has them, templates, platform numbers. A node that has
// joined (as the worker would have it), so a drain is taken (200), on a fresh cluster each time.
async function joinedNode() {
  const { clusterId, workerId } = await newCluster();
  await api.db.node.update({
    where: { id: workerId },
    data: { status: 'running', orchestratorNodeId: `swarm-${workerId}`.slice(0, 25) },
  });
  return { clusterId, nodeId: workerId };
}
const availabilityCase = (path: string): Case => ({
  make: async () => ({ method: 'POST', path, body: { nodeId: (await joinedNode()).nodeId } }),
  expect: clusterManage(200),
});
const platformCases: Record<string, Case> = {
  'cluster.node': {
    make: async () => ({
      method: 'GET',
      path: 'cluster.node',
      query: { nodeId: (await sharedCluster()).workerId },
    }),
    expect: clusterRead(200),
  },
  'cluster.drainNode': availabilityCase('cluster.drainNode'),
  'cluster.activateNode': availabilityCase('cluster.activateNode'),
  // Its work needs another node to go to: the cluster's other nodes take work.
  'cluster.evacuateNode': {
    make: async () => {
      const { clusterId, nodeId } = await joinedNode();
      await api.db.node.updateMany({
        where: { clusterId, id: { not: nodeId } },
        data: { status: 'running' },
      });
      return { method: 'POST', path: 'cluster.evacuateNode', body: { clusterId, nodeId } };
    },
    expect: clusterManage(200),
  },
  'template.all': {
    make: async () => ({ method: 'GET', path: 'template.all' }),
    expect: self(200),
  },
  'template.one': {
    make: async () => ({
      method: 'GET',
      path: 'template.one',
      query: { templateId: 'static-site' },
    }),
    expect: self(200),
  },
  // The apps it makes are app.create's: manage on the cluster.
  'template.instantiate': {
    make: async () => ({
      method: 'POST',
      path: 'template.instantiate',
      body: {
        templateId: 'static-site',
        clusterId: (await sharedCluster()).clusterId,
        parameters: {
          name: `t-${Math.random().toString(36).slice(2, 10)}`,
          registry: '10.201.250.1:5443',
        },
      },
    }),
    expect: clusterManage(201),
  },
  'platform.stats': {
    make: async () => ({ method: 'GET', path: 'platform.stats' }),
    expect: self(200),
  },
  'platform.config': {
    make: async () => ({ method: 'GET', path: 'platform.config' }),
    expect: { ...self(200), anonymous: 200 },
  },
  'platform.clusters': {
    make: async () => ({ method: 'GET', path: 'platform.clusters' }),
    expect: self(200),
  },
  'platform.cluster': {
    make: async () => ({
      method: 'GET',
      path: 'platform.cluster',
      query: { clusterId: (await sharedCluster()).clusterId },
    }),
    expect: clusterRead(200),
  },
};

let ownerKeyId: string | undefined;
async function ownerKey(): Promise<string> {
  if (ownerKeyId) return ownerKeyId;
  const key = await api.call('POST', '/api/sshKey.generate', {
    token: tokens.owner,
    body: { organizationId, name: `import-${Math.random()}` },
  });
  ownerKeyId = key.body.result.data.id as string;
  return ownerKeyId;
}

const cases: Record<string, Case> = {
  ...appCases,
  ...databaseCases,
  ...stackCases,
  ...platformCases,
  'provider.setCredentials': {
    make: async () => ({
      method: 'POST',
      path: 'provider.setCredentials',
      body: {
        organizationId,
        provider: 'digitalocean',
        name: `d-${Math.random()}`,
        credentials: { token: 'dop_v1_'.padEnd(71, 'a') },
      },
    }),
    expect: org(200, 403),
  },
  'provider.listCredentials': {
    make: async () => ({
      method: 'GET',
      path: 'provider.listCredentials',
      query: { organizationId },
    }),
    expect: org(200, 403),
  },
  'provider.removeCredentials': {
    make: async () => ({
      method: 'DELETE',
      path: 'provider.removeCredentials',
      body: { providerCredentialId: await newCredential() },
    }),
    expect: org(204, 403),
  },
  // The provider API is a closed loopback port here: 200 with "unreachable" means access passed.
  'provider.test': {
    make: async () => ({
      method: 'POST',
      path: 'provider.test',
      body: { providerCredentialId: await newCredential() },
    }),
    expect: org(200, 403),
  },
  'auth.me': { make: async () => ({ method: 'GET', path: 'auth.me' }), expect: self(200) },
  'auth.methods': {
    make: async () => ({ method: 'GET', path: 'auth.methods' }),
    expect: { ...self(200), anonymous: 200 },
  },
  'auth.sessions': {
    make: async () => ({ method: 'GET', path: 'auth.sessions' }),
    expect: self(200),
  },
  // Nobody's session has this id: signed-in callers get as far as the lookup.
  'auth.endSession': {
    make: async () => ({
      method: 'DELETE',
      path: 'auth.endSession',
      body: { sessionId: 'tok_nosuchsession' },
    }),
    expect: self(404),
  },
  // A wrong current password: signed-in callers get as far as checking it.
  'auth.changePassword': {
    make: async () => ({
      method: 'POST',
      path: 'auth.changePassword',
      body: { currentPassword: 'not the password', newPassword: 'another long password' },
    }),
    expect: self(400),
  },
  // Instance administration: the owner registered first, so is an instance administrator; no
  // organization role implies it, and only a dashboard session (never an API token) is taken.
  'controlPlane.overview': {
    make: async () => ({ method: 'GET', path: 'controlPlane.overview' }),
    expect: { ...instanceAdmin(200) },
  },
  'controlPlane.instances': {
    make: async () => ({ method: 'GET', path: 'controlPlane.instances' }),
    expect: { ...instanceAdmin(200) },
  },
  'controlPlane.setAssignment': {
    make: async () => ({
      method: 'PUT',
      path: 'controlPlane.setAssignment',
      body: {
        entityType: 'cluster',
        entityId: (await sharedCluster()).clusterId,
        nodeName: await workerNode('beta'),
      },
    }),
    expect: { ...instanceAdmin(200) },
  },
  'controlPlane.deleteAssignment': {
    make: async () => ({
      method: 'DELETE',
      path: 'controlPlane.deleteAssignment',
      body: { entityType: 'cluster', entityId: (await sharedCluster()).clusterId },
    }),
    expect: { ...instanceAdmin(200) },
  },
  'controlPlane.queueView': {
    make: async () => ({ method: 'POST', path: 'controlPlane.queueView' }),
    expect: { ...instanceAdmin(200) },
  },
  'admin.list': {
    make: async () => ({ method: 'GET', path: 'admin.list' }),
    expect: { ...instanceAdmin(200) },
  },
  'admin.grant': {
    make: async () => ({
      method: 'POST',
      path: 'admin.grant',
      body: { userId: userIds.bystander },
    }),
    expect: { ...instanceAdmin(200) },
  },
  'admin.revoke': {
    make: async () => {
      await api.db.user.update({ where: { id: userIds.bystander }, data: { instanceAdmin: true } });
      return { method: 'DELETE', path: 'admin.revoke', body: { userId: userIds.bystander } };
    },
    expect: { ...instanceAdmin(204) },
  },
  'quota.get': {
    make: async () => ({ method: 'GET', path: 'quota.get', query: { organizationId } }),
    expect: org(200, 403),
  },
  // Instance administrators only (the owner registered first, so is one); no organization role
  // implies it.
  'quota.set': {
    make: async () => ({
      method: 'POST',
      path: 'quota.set',
      body: { organizationId, kind: 'clusters', limit: 500 },
    }),
    expect: {
      owner: 200,
      admin: 403,
      member: 403,
      viewer: 403,
      manager: 403,
      stranger: 403,
      anonymous: 401,
    },
  },
  'catalog.providers': {
    make: async () => ({ method: 'GET', path: 'catalog.providers' }),
    expect: self(200),
  },
  'token.list': { make: async () => ({ method: 'GET', path: 'token.list' }), expect: self(200) },
  'token.create': {
    make: async () => ({ method: 'POST', path: 'token.create', body: { name: 'matrix' } }),
    expect: self(201),
  },
  'organization.all': {
    make: async () => ({ method: 'GET', path: 'organization.all' }),
    expect: self(200),
  },
  'organization.one': {
    make: async () => ({ method: 'GET', path: 'organization.one', query: { organizationId } }),
    expect: org(200, 200),
  },
  'organization.members': {
    make: async () => ({ method: 'GET', path: 'organization.members', query: { organizationId } }),
    expect: org(200, 200),
  },
  'organization.invite': {
    make: async () => ({
      method: 'POST',
      path: 'organization.invite',
      body: { organizationId, email: 'someone@example.test', role: 'member' },
    }),
    expect: org(201, 403),
  },
  'sshKey.list': {
    make: async () => ({ method: 'GET', path: 'sshKey.list', query: { organizationId } }),
    expect: org(200, 200),
  },
  'sshKey.generate': {
    make: async () => ({
      method: 'POST',
      path: 'sshKey.generate',
      body: { organizationId, name: `k-${Math.random()}` },
    }),
    expect: org(201, 403),
  },
  'sshKey.remove': {
    make: async () => {
      const key = await api.call('POST', '/api/sshKey.generate', {
        token: tokens.owner,
        body: { organizationId, name: `k-${Math.random()}` },
      });
      // A failed generate says why (it was ssh2 writing a malformed key, 1 in 256: sshKey/keyPairs.ts).
      if (key.status !== 201) {
        throw new Error(`sshKey.generate answered ${key.status}: ${JSON.stringify(key.body)}`);
      }
      return {
        method: 'DELETE',
        path: 'sshKey.remove',
        body: { sshKeyId: key.body.result.data.id },
      };
    },
    expect: org(204, 403),
  },
  'audit.list': {
    make: async () => ({ method: 'GET', path: 'audit.list', query: { organizationId } }),
    expect: org(200, 403),
  },
  'cluster.all': {
    make: async () => {
      await sharedCluster();
      return { method: 'GET', path: 'cluster.all', query: { organizationId } };
    },
    expect: clusterRead(200),
  },
  'cluster.create': {
    make: async () => ({
      method: 'POST',
      path: 'cluster.create',
      body: {
        organizationId,
        name: `n-${Math.random().toString(36).slice(2, 10)}`,
        provider: 'hetzner',
        region: 'fsn1',
        orchestrator: 'swarm',
        nodes: [{ role: 'manager', plan: 'nano', count: 1 }],
      },
    }),
    expect: org(201, 403),
  },
  'cluster.one': {
    make: async () => ({
      method: 'GET',
      path: 'cluster.one',
      query: { clusterId: (await sharedCluster()).clusterId },
    }),
    expect: clusterRead(200),
  },
  'cluster.nodes': {
    make: async () => ({
      method: 'GET',
      path: 'cluster.nodes',
      query: { clusterId: (await sharedCluster()).clusterId },
    }),
    expect: clusterRead(200),
  },
  'cluster.logs': {
    make: async () => ({
      method: 'GET',
      path: 'cluster.logs',
      query: { clusterId: (await sharedCluster()).clusterId },
    }),
    expect: clusterRead(200),
  },
  'cluster.update': {
    make: async () => ({
      method: 'PATCH',
      path: 'cluster.update',
      body: {
        clusterId: (await newCluster()).clusterId,
        name: `r-${Math.random().toString(36).slice(2, 10)}`,
      },
    }),
    expect: clusterManage(200),
  },
  'cluster.addNode': {
    make: async () => ({
      method: 'POST',
      path: 'cluster.addNode',
      body: { clusterId: (await sharedCluster()).clusterId, role: 'worker', plan: 'nano' },
    }),
    expect: clusterManage(201),
  },
  'cluster.removeNode': {
    make: async () => {
      const { clusterId, workerId } = await newCluster();
      return {
        method: 'DELETE',
        path: 'cluster.removeNode',
        body: { clusterId, nodeId: workerId },
      };
    },
    expect: clusterManage(200),
  },
  'cluster.remove': {
    make: async () => ({
      method: 'DELETE',
      path: 'cluster.remove',
      body: { clusterId: (await newCluster()).clusterId },
    }),
    expect: clusterManage(204),
  },
  // 409 "not ready yet" means the permission check passed.
  'cluster.kubeconfig': {
    make: async () => ({
      method: 'GET',
      path: 'cluster.kubeconfig',
      query: { clusterId: (await sharedCluster()).clusterId },
    }),
    expect: clusterManage(409),
  },
  'cluster.listAccess': {
    make: async () => ({
      method: 'GET',
      path: 'cluster.listAccess',
      query: { clusterId: (await sharedCluster()).clusterId },
    }),
    expect: clusterManage(200),
  },
  'cluster.grantAccess': {
    make: async () => ({
      method: 'POST',
      path: 'cluster.grantAccess',
      body: {
        clusterId: (await sharedCluster()).clusterId,
        userId: userIds.bystander,
        permission: 'view',
      },
    }),
    expect: clusterAdmin(200),
  },
  'cluster.revokeAccess': {
    make: async () => {
      const { clusterId } = await newCluster();
      return {
        method: 'DELETE',
        path: 'cluster.revokeAccess',
        body: { clusterId, userId: userIds.viewer },
      };
    },
    expect: clusterAdmin(204),
  },
};

describe('permission matrix', () => {
  for (const [procedure, testCase] of Object.entries(cases)) {
    it(`${procedure}: ${actors.map((a) => `${a} ${testCase.expect[a]}`).join(', ')}`, async () => {
      const got: Partial<Record<Actor, number>> = {};
      for (const actor of actors) {
        const request = await testCase.make();
        const reply = await api.call(request.method, `/api/${request.path}`, {
          ...(tokens[actor] ? { token: tokens[actor] } : {}),
          ...(request.body !== undefined ? { body: request.body } : {}),
          ...(request.query ? { query: request.query } : {}),
          ...(request.raw
            ? { rawBody: request.raw.body, headers: { 'content-type': request.raw.type } }
            : {}),
        });
        got[actor] = reply.status;
        if (reply.status === 404 && actor === 'stranger') {
          // Nothing of the other organization's resource leaks into the answer.
          expect(JSON.stringify(reply.body)).not.toMatch(/cls_|"name"/);
        }
      }
      expect(got).toEqual(testCase.expect);
    });
  }

  it('cluster.all shows a grantee only the clusters granted to them', async () => {
    await sharedCluster();
    const asViewer = await api.call('GET', '/api/cluster.all', {
      token: tokens.viewer,
      query: { organizationId, limit: 100 },
    });
    const asOwner = await api.call('GET', '/api/cluster.all', {
      token: tokens.owner,
      query: { organizationId, limit: 100 },
    });
    const granted = await api.db.clusterAccess.count({ where: { userId: userIds.viewer } });
    expect(asViewer.body.result.data).toHaveLength(granted);
    expect(asOwner.body.result.data.length).toBeGreaterThan(granted);
  });

  it('covers every procedure of the router', async () => {
    const { routes } = await import('@flotilla/router');
    const untested = [...routes.keys()].filter(
      (path) =>
        !(path in cases) &&
        // Public procedures, self-revocation and the stream are covered in their own files.
        ![
          'auth.register',
          'auth.status',
          'auth.login',
          'auth.acceptInvite',
          'auth.logout',
          'auth.refresh',
          'token.revoke',
          'cluster.events',
          'stack.events',
          'app.logStream',
          'sshKey.create',
        ].includes(path),
    );
    expect(untested).toEqual([]);
  });
});
