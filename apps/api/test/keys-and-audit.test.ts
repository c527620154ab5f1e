import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@flotilla/config';
import { createSealer } from '@flotilla/secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi, storeCloudCredentials } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
beforeAll(async () => {
  api = await startApi();
  owner = await registerUser(api, 'keys');
  await storeCloudCredentials(api, owner);
});
afterAll(() => api.close());

const sealer = createSealer(loadConfig({ NODE_ENV: 'test' }).masterKey);

describe('SSH keys', () => {
  it('stores an uploaded key encrypted, shows only its public half and ssh-keygen fingerprint', async () => {
    // Made by OpenSSH itself, so the fingerprint check is independent of our parser.
    const dir = mkdtempSync(join(tmpdir(), 'flt-key-'));
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'uploaded',
      '-f',
      join(dir, 'id'),
    ]);
    const pair = {
      private: readFileSync(join(dir, 'id'), 'utf8'),
      public: readFileSync(join(dir, 'id.pub'), 'utf8').trim(),
    };
    const reply = await api.call('POST', '/api/sshKey.create', {
      token: owner.token,
      body: { organizationId: owner.organizationId, name: 'uploaded', privateKey: pair.private },
    });
    expect(reply.status).toBe(201);
    const key = reply.body.result.data;
    expect(key.publicKey).toBe(pair.public.split(' ').slice(0, 2).join(' '));
    const expected = execFileSync('ssh-keygen', ['-lf', join(dir, 'id.pub')], {
      encoding: 'utf8',
    }).split(' ')[1];
    expect(key.fingerprint).toBe(expected);

    const row = await api.db.sshKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.privateKeyEncrypted).not.toContain('PRIVATE KEY');
    expect(sealer.open(row.privateKeyEncrypted, `ssh-key:${key.id}`)).toBe(pair.private);

    const list = await api.call('GET', '/api/sshKey.list', {
      token: owner.token,
      query: { organizationId: owner.organizationId },
    });
    expect(JSON.stringify(list.body)).not.toMatch(/PRIVATE|Encrypted/);
    const again = await api.call('POST', '/api/sshKey.create', {
      token: owner.token,
      body: { organizationId: owner.organizationId, name: 'uploaded', privateKey: pair.private },
    });
    expect(again.status).toBe(409);
  });

  it('generates an Ed25519 pair and refuses to delete a key a cluster uses', async () => {
    const generated = await api.call('POST', '/api/sshKey.generate', {
      token: owner.token,
      body: { organizationId: owner.organizationId, name: 'generated' },
    });
    expect(generated.status).toBe(201);
    expect(generated.body.result.data.publicKey).toMatch(/^ssh-ed25519 AAAA/);
    const sshKeyId = generated.body.result.data.id;
    await api.call('POST', '/api/cluster.create', {
      token: owner.token,
      body: {
        organizationId: owner.organizationId,
        name: 'uses-key',
        provider: 'ssh',
        orchestrator: 'swarm',
        sshKeyId,
        nodes: [{ role: 'manager', host: '10.77.0.11' }],
      },
    });
    const refused = await api.call('DELETE', '/api/sshKey.remove', {
      token: owner.token,
      body: { sshKeyId },
    });
    expect(refused.status).toBe(409);
  });
});

describe('audit.list', () => {
  it('reads the organization log newest first, filtered by cluster and actor, paged by cursor', async () => {
    const created = await api.call('POST', '/api/cluster.create', {
      token: owner.token,
      body: {
        organizationId: owner.organizationId,
        name: 'audited',
        provider: 'aws',
        region: 'us-west-2',
        orchestrator: 'kubernetes',
        nodes: [{ role: 'manager', plan: 'small', count: 1 }],
      },
    });
    const clusterId = created.body.result.data.id;
    await api.call('PATCH', '/api/cluster.update', {
      token: owner.token,
      body: { clusterId, name: 'audited-2' },
    });
    await api.call('PATCH', '/api/cluster.update', {
      token: owner.token,
      body: { clusterId, name: 'BAD NAME' },
    });
    const stranger = await registerUser(api, 'intruder');
    await api.call('DELETE', '/api/cluster.remove', { token: stranger.token, body: { clusterId } });

    const page = await api.call('GET', '/api/audit.list', {
      token: owner.token,
      query: { organizationId: owner.organizationId, clusterId, limit: 2 },
    });
    expect(page.status).toBe(200);
    const items = page.body.result.data.items;
    // The probe from another organization is recorded against the cluster (the intruder saw 404);
    // the rename with a bad name never got as far as knowing its cluster.
    expect(items.map((e: { action: string; outcome: string }) => [e.action, e.outcome])).toEqual([
      ['cluster.remove', 'denied'],
      ['cluster.update', 'success'],
    ]);
    expect(items[0]).toMatchObject({ actorId: stranger.userId, errorCode: 'NOT_FOUND' });
    const rest = await api.call('GET', '/api/audit.list', {
      token: owner.token,
      query: {
        organizationId: owner.organizationId,
        clusterId,
        cursor: page.body.result.data.nextCursor,
      },
    });
    expect(rest.body.result.data.items.map((e: { action: string }) => e.action)).toEqual([
      'cluster.create',
    ]);
    expect(rest.body.result.data.nextCursor).toBeNull();
    const byActor = await api.call('GET', '/api/audit.list', {
      token: owner.token,
      query: { organizationId: owner.organizationId, actorId: stranger.userId },
    });
    expect(byActor.body.result.data.items).toHaveLength(1);
  });
});
