// The network policy at the API: a node host Flotilla must not contact (the cloud metadata
// service, this machine, the control plane's own addresses…) is a 400 naming the field and the
// rule at cluster.create and cluster.addNode, before anything is written. Host names resolve
// from the harness's table, never by a DNS query; no test here connects anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi } from './harness.ts';

const hosts = {
  // A name whose only address is loopback, as an /etc/hosts entry or a rebinding DNS answers.
  'loopback.example.test': ['127.0.0.1'],
  // One good address and one refused: the name is refused.
  'mixed.example.test': ['203.0.113.10', '169.254.169.254'],
  'servers.example.test': ['203.0.113.11'],
};

// Each refused class, as a user would type it, and the rule the answer must name.
const refused: [string, RegExp][] = [
  ['169.254.169.254', /link-local \/ cloud metadata/],
  ['::ffff:169.254.169.254', /IPv4-mapped IPv6 address for 169\.254\.169\.254.*cloud metadata/],
  ['metadata.google.internal', /cloud metadata hostname/],
  ['fd00:ec2::254', /cloud metadata/],
  ['127.0.0.1', /loopback/],
  ['::1', /loopback/],
  ['localhost', /localhost resolves to (127\.0\.0\.1|::1), which is loopback/],
  ['loopback.example.test', /resolves to 127\.0\.0\.1, which is loopback/],
  ['mixed.example.test', /resolves to 169\.254\.169\.254/],
  ['0.0.0.0', /unspecified/],
  ['224.0.0.1', /multicast/],
  ['nonexistent.example.test', /does not resolve/],
];

let api: Harness;
let strict: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
let strictOwner: Awaited<ReturnType<typeof registerUser>>;

async function sshKey(harness: Harness, user: typeof owner): Promise<string> {
  const key = await harness.call('POST', '/api/sshKey.generate', {
    token: user.token,
    body: { organizationId: user.organizationId, name: 'deploy' },
  });
  return key.body.result.data.id;
}

let keyId: string;
let strictKeyId: string;

beforeAll(async () => {
  [api, strict] = await Promise.all([
    startApi({ hosts }),
    // An instance that also refuses private ranges, with one block opened by the allow list.
    startApi({
      hosts,
      env: {
        FLOTILLA_NETWORK_REFUSE_PRIVATE: 'true',
        FLOTILLA_NETWORK_ALLOW: '10.201.0.0/16',
        FLOTILLA_NETWORK_DENY: '203.0.113.66/32',
      },
    }),
  ]);
  [owner, strictOwner] = await Promise.all([registerUser(api), registerUser(strict)]);
  [keyId, strictKeyId] = await Promise.all([sshKey(api, owner), sshKey(strict, strictOwner)]);
});
afterAll(() => Promise.all([api?.close(), strict?.close()]));

let counter = 0;
function createOwn(harness: Harness, user: typeof owner, key: string, nodeHosts: string[]) {
  counter++;
  return harness.call('POST', '/api/cluster.create', {
    token: user.token,
    body: {
      organizationId: user.organizationId,
      name: `own-${counter}`,
      provider: 'ssh',
      orchestrator: 'swarm',
      sshKeyId: key,
      nodes: nodeHosts.map((host, i) => ({ role: i === 0 ? 'manager' : 'worker', host })),
    },
  });
}

describe('cluster.create', () => {
  it.each(refused)('refuses %s with a 400 naming the field and the rule', async (host, rule) => {
    const before = await api.db.cluster.count();
    const reply = await createOwn(api, owner, keyId, [host]);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('BAD_REQUEST');
    expect(reply.body.error.issues).toHaveLength(1);
    expect(reply.body.error.issues[0].path).toBe('nodes.0.host');
    expect(reply.body.error.issues[0].message).toMatch(rule);
    if (!host.includes('nonexistent')) {
      expect(reply.body.error.issues[0].message).toMatch(/refused by the network policy/);
    }
    // Nothing written, nothing queued.
    expect(await api.db.cluster.count()).toBe(before);
  });

  it('names every refused node in one answer, and only those', async () => {
    const reply = await createOwn(api, owner, keyId, [
      '203.0.113.10',
      '169.254.169.254',
      'servers.example.test',
      '::1',
      '2001:db8::7',
    ]);
    expect(reply.status).toBe(400);
    expect(reply.body.error.issues.map((issue: { path: string }) => issue.path)).toEqual([
      'nodes.1.host',
      'nodes.3.host',
    ]);
  });

  it('takes public and private addresses and names that resolve to them', async () => {
    const reply = await createOwn(api, owner, keyId, [
      '10.0.0.5',
      '203.0.113.10',
      'servers.example.test',
      '2001:db8::7',
      '172.16.3.4',
    ]);
    expect(reply.status).toBe(201);
    // The name is stored as given: the worker resolves and checks it again before each connection.
    expect(reply.body.result.data.nodes.map((n: { ip: string }) => n.ip)).toContain(
      'servers.example.test',
    );
  });

  it('refuses private ranges when the instance says so, except where the allow list opens them', async () => {
    const privateHost = await createOwn(strict, strictOwner, strictKeyId, ['10.0.0.5']);
    expect(privateHost.status).toBe(400);
    expect(privateHost.body.error.issues[0]).toEqual({
      path: 'nodes.0.host',
      message:
        '10.0.0.5 is a private address (FLOTILLA_NETWORK_REFUSE_PRIVATE is set), refused by the network policy',
    });
    const ula = await createOwn(strict, strictOwner, strictKeyId, ['fd12:3456::1']);
    expect(ula.status).toBe(400);
    const allowed = await createOwn(strict, strictOwner, strictKeyId, ['10.201.4.2']);
    expect(allowed.status).toBe(201);
    const denied = await createOwn(strict, strictOwner, strictKeyId, ['203.0.113.66']);
    expect(denied.status).toBe(400);
    expect(denied.body.error.issues[0].message).toMatch(/deny list \(FLOTILLA_NETWORK_DENY/);
    // The allow list never opens loopback or metadata beyond the blocks it names.
    const metadata = await createOwn(strict, strictOwner, strictKeyId, ['169.254.169.254']);
    expect(metadata.status).toBe(400);
  });
});

describe('cluster.addNode', () => {
  let clusterId: string;
  let strictClusterId: string;
  beforeAll(async () => {
    const [created, strictCreated] = await Promise.all([
      createOwn(api, owner, keyId, ['203.0.113.20']),
      createOwn(strict, strictOwner, strictKeyId, ['10.201.4.3']),
    ]);
    clusterId = created.body.result.data.id;
    strictClusterId = strictCreated.body.result.data.id;
  });

  const addNode = (harness: Harness, user: typeof owner, cluster: string, host: string) =>
    harness.call('POST', '/api/cluster.addNode', {
      token: user.token,
      body: { clusterId: cluster, role: 'worker', host },
    });

  it.each(refused)('refuses %s with a 400 naming the field and the rule', async (host, rule) => {
    const before = await api.db.node.count({ where: { clusterId } });
    const reply = await addNode(api, owner, clusterId, host);
    expect(reply.status).toBe(400);
    expect(reply.body.error.issues).toEqual([
      { path: 'host', message: expect.stringMatching(rule) },
    ]);
    expect(await api.db.node.count({ where: { clusterId } })).toBe(before);
  });

  it('takes an allowed host, and refuses 10.0.0.5 only where private ranges are refused', async () => {
    expect((await addNode(api, owner, clusterId, '10.0.0.5')).status).toBe(201);
    const refusedPrivate = await addNode(strict, strictOwner, strictClusterId, '10.0.0.5');
    expect(refusedPrivate.status).toBe(400);
    expect(refusedPrivate.body.error.issues[0].message).toMatch(/private address/);
    expect((await addNode(strict, strictOwner, strictClusterId, '10.201.4.4')).status).toBe(201);
  });
});
