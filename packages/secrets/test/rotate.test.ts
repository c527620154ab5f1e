// Master key rotation against a real database: secrets of every kind sealed under key A are
// re-sealed under key B by `pnpm secrets:rotate` (the script, as a child process), which is
// SIGKILLed halfway and run again; and the compare-and-set write loses to a concurrent writer.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createDb, createSql, type Db, newId, type Sql } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSealer,
  joinSecretsContext,
  kubeconfigContext,
  providerCredentialContext,
  type RotationCount,
  rotateSecrets,
  type Sealer,
  sealedColumns,
  sshKeyContext,
} from '../src/index.ts';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const packageDir = join(import.meta.dirname, '..');

/** Every sealed value in the database, by `kind:id`. */
async function sealedValues(sql: Sql): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (const column of sealedColumns) {
    const rows = await sql<{ id: string; sealed: string }[]>`
      select ${sql(column.idColumn)} as id, ${sql(column.column)} as sealed
      from ${sql(column.table)} where ${sql(column.column)} is not null`;
    for (const row of rows) values.set(`${column.kind}:${row.id}`, row.sealed);
  }
  return values;
}

const contextOf = (entry: string) => {
  const [kind, id = ''] = entry.split(':');
  const column = sealedColumns.find((candidate) => candidate.kind === kind);
  if (!column) throw new Error(`no column ${kind}`);
  return column.context(id);
};

/** Organization, SSH keys (two still in the v1 format), credentials, clusters; returns plaintexts. */
async function seed(db: Db, sealer: Sealer, sshKeys: number): Promise<Map<string, string>> {
  const plaintexts = new Map<string, string>();
  const organizationId = newId('org');
  await db.organization.create({
    data: { id: organizationId, name: 'Rotation', slug: organizationId },
  });
  for (let i = 0; i < sshKeys; i++) {
    // Ordered ids, so a test can say which batch a key falls in.
    const id = `key_${String(i).padStart(3, '0')}`;
    const plaintext = `-----BEGIN OPENSSH PRIVATE KEY----- ${i}`;
    let sealed = sealer.seal(plaintext, sshKeyContext(id));
    // v1: the same envelope without the key id, as the sealer wrote them before rotation existed.
    if (i >= sshKeys - 2) sealed = ['v1', ...sealed.split('.').slice(2)].join('.');
    await db.sshKey.create({
      data: {
        id,
        organizationId,
        name: id,
        publicKey: 'ssh-ed25519 AAAA',
        fingerprint: `SHA256:${id}`,
        privateKeyEncrypted: sealed,
      },
    });
    plaintexts.set(`sshKey.privateKey:${id}`, plaintext);
  }
  for (let i = 0; i < 7; i++) {
    const id = newId('cred');
    const plaintext = JSON.stringify({ token: `hcloud-${i}` });
    await db.providerCredential.create({
      data: {
        id,
        organizationId,
        provider: 'hetzner',
        name: `cred ${i}`,
        secretEncrypted: sealer.seal(plaintext, providerCredentialContext(id)),
      },
    });
    plaintexts.set(`providerCredential.secret:${id}`, plaintext);
  }
  for (let i = 0; i < 6; i++) {
    const id = newId('cluster');
    const kubeconfig = i < 4 ? `apiVersion: v1\nclusters: [${i}]` : undefined;
    const join = JSON.stringify({ worker: `SWMTKN-1-${i}`, manager: `SWMTKN-1-m${i}` });
    await db.cluster.create({
      data: {
        id,
        organizationId,
        name: `cluster-${i}`,
        provider: 'ssh',
        region: 'own',
        orchestrator: i < 4 ? 'kubernetes' : 'swarm',
        kubeconfigEncrypted: kubeconfig && sealer.seal(kubeconfig, kubeconfigContext(id)),
        joinSecretsEncrypted: sealer.seal(join, joinSecretsContext(id)),
      },
    });
    if (kubeconfig) plaintexts.set(`cluster.kubeconfig:${id}`, kubeconfig);
    plaintexts.set(`cluster.joinSecrets:${id}`, join);
  }
  await seedWorkloads(db, sealer, organizationId, plaintexts);
  return plaintexts;
}

/** The workload tables' sealed columns (app and deployment env, registry, stack, database). */
const workloadKinds = 2;

/**
 * Rows of every table the workload issues added, `workloadKinds` of each, then every sealed
 * column of theirs filled through its own context, so each kind in `sealedColumns` is covered
 * (a kind added later without rows here fails the "every kind" check below).
 */
async function seedWorkloads(
  db: Db,
  sealer: Sealer,
  organizationId: string,
  plaintexts: Map<string, string>,
): Promise<void> {
  const cluster = await db.cluster.findFirstOrThrow({ where: { organizationId } });
  const projectId = newId('proj');
  await db.project.create({
    data: { id: projectId, organizationId, name: 'Default', slug: 'default' },
  });
  const placeholder = 'sealed below';
  for (let i = 0; i < workloadKinds; i++) {
    const appId = newId('app');
    await db.app.create({
      data: {
        id: appId,
        organizationId,
        projectId,
        clusterId: cluster.id,
        name: `app-${i}`,
        slug: `app-${i}`,
        serviceName: `app-${i}`,
        sourceType: 'image',
      },
    });
    await db.deployment.create({
      data: {
        id: newId('dep'),
        appId,
        ordinal: 1,
        trigger: 'create',
        deadlineAt: new Date(Date.now() + 600_000),
      },
    });
    await db.registry.create({
      data: { id: newId('reg'), organizationId, name: `registry ${i}`, server: `r${i}.test` },
    });
    const stackId = newId('stack');
    await db.stack.create({
      data: {
        id: stackId,
        organizationId,
        projectId,
        clusterId: cluster.id,
        name: `stack-${i}`,
        stackName: `stack-${i}`,
      },
    });
    await db.stackVersion.create({
      data: {
        id: newId('stv'),
        stackId,
        ordinal: 1,
        compose: 'services: {}',
        definitionEncrypted: placeholder,
        renderedEncrypted: placeholder,
        digest: 'sha256:0',
      },
    });
    await db.managedDatabase.create({
      data: {
        id: newId('db'),
        organizationId,
        projectId,
        clusterId: cluster.id,
        name: `db-${i}`,
        engine: 'postgres',
        version: '15',
        image: 'registry.test/postgres:15',
        serviceName: `db-${i}`,
        networkName: 'flotilla-default',
        passwordEncrypted: placeholder,
        connectionPort: 5432,
      },
    });
  }
  const covered = new Set(['sshKey', 'providerCredential', 'cluster']);
  for (const column of sealedColumns.filter((c) => !covered.has(c.kind.split('.')[0] ?? ''))) {
    const rows = await db.$queryRawUnsafe<{ id: string }[]>(
      `select "${column.idColumn}" as id from "${column.table}"`,
    );
    for (const { id } of rows) {
      const plaintext = `${column.kind} of ${id}`;
      await db.$executeRawUnsafe(
        `update "${column.table}" set "${column.column}" = $1 where "${column.idColumn}" = $2`,
        sealer.seal(plaintext, column.context(id)),
        id,
      );
      plaintexts.set(`${column.kind}:${id}`, plaintext);
    }
  }
}

function rotateScript(url: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/rotate.ts', '--json', ...args], {
    cwd: packageDir,
    env: {
      ...process.env,
      DATABASE_URL: url,
      FLOTILLA_MASTER_KEY: keyB.toString('base64'),
      FLOTILLA_MASTER_KEY_PREVIOUS: keyA.toString('hex'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function runToEnd(child: ChildProcess) {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

const byKind = (counts: RotationCount[]) =>
  Object.fromEntries(counts.map(({ kind, ...rest }) => [kind, rest]));

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A database of its own for the enclosing describe, and Prisma and postgres.js clients to it. */
function useTestDatabase() {
  const handles = {} as { database: TestDatabase; db: Db; sql: Sql };
  beforeAll(async () => {
    handles.database = await createTestDatabase();
    handles.db = createDb({ url: handles.database.url, max: 2 });
    handles.sql = createSql(handles.database.url, { max: 3 });
  });
  afterAll(async () => {
    await handles.db?.$disconnect();
    await handles.sql?.end();
    await handles.database?.drop();
  });
  return () => handles;
}

/** Resolves once a session of `applicationName` waits for a lock this test holds. */
function lockWaiter(sql: Sql, applicationName: string) {
  return until(`${applicationName} to wait for the row lock`, async () => {
    const [row] = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where datname = current_database() and application_name = ${applicationName}
        and wait_event_type = 'Lock'`;
    return row;
  });
}

describe('pnpm secrets:rotate', () => {
  const testDatabase = useTestDatabase();

  it('re-seals every kind under the new key, killed halfway and run again', async () => {
    const { database, db, sql } = testDatabase();
    const plaintexts = await seed(db, createSealer(keyA), 23);

    // Kill it inside its third batch of SSH keys: the test holds key_012's row lock, so the
    // script's write of keys 10-14 waits; once it waits, SIGKILL, and end its server session.
    const locked = deferred();
    const release = deferred();
    const holder = sql.begin(async (tx) => {
      await tx`select 1 from "SshKey" where id = 'key_012' for update`;
      locked.resolve();
      await release.promise;
    });
    await locked.promise;
    const first = rotateScript(database.url, ['--batch-size', '5']);
    const firstDone = runToEnd(first);
    const waiting = await lockWaiter(sql, 'flotilla-secrets-rotate');
    first.kill('SIGKILL');
    expect((await firstDone).code).toBeNull();
    await sql`select pg_terminate_backend(${waiting.pid})`;
    release.resolve();
    await holder;

    const current = createSealer(keyB);
    const halfway = await sealedValues(sql);
    const done = [...halfway].filter(([, sealed]) => current.isCurrent(sealed));
    expect(done.map(([entry]) => entry).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `sshKey.privateKey:key_${String(i).padStart(3, '0')}`),
    );

    const second = await runToEnd(rotateScript(database.url, ['--batch-size', '5']));
    expect(second.code, second.stderr).toBe(0);
    const counts = byKind(JSON.parse(second.stdout) as RotationCount[]);
    const none = { changedMeanwhile: 0, remaining: 0, failed: [] };
    const workload = { resealed: workloadKinds, alreadyCurrent: 0, ...none };
    expect(counts).toEqual({
      'sshKey.privateKey': { resealed: 13, alreadyCurrent: 10, ...none },
      'providerCredential.secret': { resealed: 7, alreadyCurrent: 0, ...none },
      'cluster.kubeconfig': { resealed: 4, alreadyCurrent: 0, ...none },
      'cluster.joinSecrets': { resealed: 6, alreadyCurrent: 0, ...none },
      ...Object.fromEntries(
        sealedColumns.slice(4).map((column) => [column.kind, workload] as const),
      ),
    });
    // Every kind of secret the system stores had rows in this run.
    const seeded = new Set([...plaintexts.keys()].map((entry) => entry.split(':')[0]));
    expect([...seeded].sort()).toEqual(sealedColumns.map((column) => column.kind).sort());

    // Every secret opens under B alone, to what was sealed; none opens under A alone.
    const after = await sealedValues(sql);
    expect(after.size).toBe(plaintexts.size);
    const onlyA = createSealer(keyA);
    for (const [entry, sealed] of after) {
      expect(current.open(sealed, contextOf(entry)), entry).toBe(plaintexts.get(entry));
      expect(() => onlyA.open(sealed, contextOf(entry)), entry).toThrow();
    }

    // A third run finds nothing to do.
    const third = await runToEnd(rotateScript(database.url, []));
    expect(third.code).toBe(0);
    expect(
      (JSON.parse(third.stdout) as RotationCount[]).map((count) => [
        count.kind,
        count.resealed,
        count.alreadyCurrent,
      ]),
    ).toEqual([
      ['sshKey.privateKey', 0, 23],
      ['providerCredential.secret', 0, 7],
      ['cluster.kubeconfig', 0, 4],
      ['cluster.joinSecrets', 0, 6],
      ...sealedColumns.slice(4).map((column) => [column.kind, 0, workloadKinds]),
    ]);
  }, 120_000);

  it('refuses to run without a new key', async () => {
    const { database } = testDatabase();
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/rotate.ts'], {
      cwd: packageDir,
      env: { ...process.env, DATABASE_URL: database.url, FLOTILLA_MASTER_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { code, stderr } = await runToEnd(child);
    expect(code).toBe(2);
    expect(stderr).toContain('FLOTILLA_MASTER_KEY is not set');
  }, 60_000);
});

describe('rotateSecrets', () => {
  const testDatabase = useTestDatabase();

  it('leaves a row another writer changed after it was read, and lists rows no key opens', async () => {
    const { database, db, sql } = testDatabase();
    const plaintexts = await seed(db, createSealer(keyA), 4);
    // One key sealed under a key this run does not know.
    const stranger = createSealer(randomBytes(32)).seal('lost', sshKeyContext('key_003'));
    await sql`update "SshKey" set "privateKeyEncrypted" = ${stranger} where id = 'key_003'`;

    const rotated = createSealer(keyB, { previousKeys: [keyA] });
    const runner = createSql(database.url, {
      max: 1,
      connection: { application_name: 'rotate-under-test' },
    });
    const locked = deferred();
    const release = deferred();
    // The app writes key_001 under the new key while the rotation waits to write the same row.
    const app = sql.begin(async (tx) => {
      await tx`select 1 from "SshKey" where id = 'key_001' for update`;
      locked.resolve();
      await release.promise;
      const fresh = rotated.seal('written by the app', sshKeyContext('key_001'));
      await tx`update "SshKey" set "privateKeyEncrypted" = ${fresh} where id = 'key_001'`;
    });
    await locked.promise;
    const rotation = rotateSecrets({ sql: runner, sealer: rotated, batchSize: 10 });
    await lockWaiter(sql, 'rotate-under-test');
    release.resolve();
    await app;
    const counts = byKind(await rotation);
    await runner.end();

    expect(counts['sshKey.privateKey']).toEqual({
      resealed: 2, // key_000 and key_002 (v1)
      alreadyCurrent: 0,
      changedMeanwhile: 1, // key_001, by the app
      remaining: 1, // key_003
      failed: [
        {
          id: 'key_003',
          reason: expect.stringMatching(/sealed under master key [0-9a-f]{16}, which is neither/),
        },
      ],
    });
    const after = await sealedValues(sql);
    expect(rotated.open(after.get('sshKey.privateKey:key_001')!, sshKeyContext('key_001'))).toBe(
      'written by the app',
    );
    expect(after.get('sshKey.privateKey:key_003')).toBe(stranger);
    expect(counts['providerCredential.secret']).toMatchObject({ resealed: 7, remaining: 0 });
    for (const [entry, sealed] of after) {
      if (entry.endsWith('key_003') || entry.endsWith('key_001')) continue;
      expect(createSealer(keyB).open(sealed, contextOf(entry)), entry).toBe(plaintexts.get(entry));
    }
  }, 60_000);
});
