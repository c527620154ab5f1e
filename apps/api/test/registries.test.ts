// registry.create and registry.update over HTTP with a registry's own CA: stored normalized and
// returned (it is public), refused with a 400 naming caCert when it is not a certificate; the
// password never comes back; changing credentials or the CA forgets the last test's verdict.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
const dir = mkdtempSync(join(tmpdir(), 'registries-'));
let ca: string;
let key: string;

beforeAll(async () => {
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
      .concat(['-days', '2', '-subj', '/CN=registries test CA'])
      .concat(['-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem')]),
    { stdio: 'pipe' },
  );
  ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  key = readFileSync(join(dir, 'ca.key'), 'utf8');
  api = await startApi();
  owner = await registerUser(api, 'registries');
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

const create = (body: Record<string, unknown>) =>
  api.call('POST', '/api/registry.create', {
    token: owner.token,
    body: { organizationId: owner.organizationId, server: '10.201.250.1:5443', ...body },
  });
const update = (body: Record<string, unknown>) =>
  api.call('PATCH', '/api/registry.update', { token: owner.token, body });
const issuesOf = (reply: { body: { error: { issues: { path: string; message: string }[] } } }) =>
  reply.body.error.issues;

describe('a registry with its own CA', () => {
  it('stores the CA as certificates only and returns it; never the password', async () => {
    const reply = await create({
      name: 'private',
      username: 'pull',
      password: 'secret-password',
      caCert: `subject=CN = registries test CA\n${ca}`,
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const registry = reply.body.result.data;
    expect(registry.caCert).toBe(ca);
    expect(registry.hasPassword).toBe(true);
    const list = await api.call('GET', '/api/registry.all', {
      token: owner.token,
      query: { organizationId: owner.organizationId },
    });
    expect(list.body.result.data).toEqual([expect.objectContaining({ caCert: ca })]);
    expect(JSON.stringify(list.body)).not.toContain('secret-password');
  });

  it('answers 400 naming caCert for a private key, garbage and text that is no PEM', async () => {
    const withKey = await create({ name: 'k', caCert: `${ca}${key}` });
    expect(withKey.status).toBe(400);
    expect(issuesOf(withKey)).toEqual([
      { path: 'caCert', message: 'holds a private key: paste only the CA certificate' },
    ]);
    const garbage = await create({
      name: 'g',
      caCert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
    });
    expect(garbage.status).toBe(400);
    expect(issuesOf(garbage)[0]?.path).toBe('caCert');
    const text = await create({ name: 't', caCert: 'trust me' });
    expect(text.status).toBe(400);
    expect(issuesOf(text)[0]?.path).toBe('caCert');
  });

  it('registry.update sets and clears the CA, changes credentials, and forgets the last test', async () => {
    const made = await create({ name: 'later', username: 'pull', password: 'first' });
    const id = made.body.result.data.id as string;
    expect(made.body.result.data.caCert).toBeNull();
    // A test that failed before the CA was known: its verdict goes with the change.
    await api.db.registry.update({
      where: { id },
      data: { lastTestedAt: new Date(), lastTestError: 'TLS: signed by an unknown authority' },
    });
    const withCa = await update({ registryId: id, caCert: ca, password: 'second' });
    expect(withCa.status, JSON.stringify(withCa.body)).toBe(200);
    expect(withCa.body.result.data).toMatchObject({
      caCert: ca,
      hasPassword: true,
      lastTestedAt: null,
      lastTestError: null,
    });
    const renamed = await update({ registryId: id, name: 'renamed' });
    expect(renamed.body.result.data).toMatchObject({ name: 'renamed', caCert: ca });
    const cleared = await update({ registryId: id, caCert: null });
    expect(cleared.body.result.data.caCert).toBeNull();

    const badCa = await update({ registryId: id, caCert: key });
    expect(badCa.status).toBe(400);
    expect(issuesOf(badCa)[0]?.path).toBe('caCert');
    const noUser = await update({ registryId: id, username: null });
    expect(noUser.status).toBe(400);
    expect(issuesOf(noUser)).toEqual([
      { path: 'username', message: 'is required with a password' },
    ]);
    const taken = await update({ registryId: id, name: 'private' });
    expect(taken.status).toBe(409);

    const audit = await api.db.auditLog.findMany({
      where: { targetId: id, action: 'registry.update', outcome: 'success' },
      select: { metadata: true },
    });
    expect(audit.map((a) => (a.metadata as { details?: string } | null)?.details)).toContain(
      'Updated registry 10.201.250.1:5443: password, caCert',
    );
    expect(JSON.stringify(audit)).not.toContain('second');
  });
});
