// provider.* against a real database, the real sealer and the providers' local stand-ins. The
// procedures are called in-process through tRPC's caller, with the same middleware (auth,
// audit) as over HTTP.
import { randomBytes } from 'node:crypto';
import {
  type AwsStandin,
  awsReadOnlyCredentials,
  awsTestCredentials,
  type DigitalOceanStandin,
  digitalOceanTestToken,
  type HetznerStandin,
  startAwsStandin,
  startDigitalOceanStandin,
  startHetznerStandin,
} from '@flotilla/cloud-standins';
import { createDb, createSql, type Db, newId, type Sql } from '@flotilla/db';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { createLogger } from '@flotilla/log';
import { createSealer } from '@flotilla/secrets';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, createRouterServices, type RouterServices } from '../src/context.ts';
import { authProcedures } from '../src/routers/auth/_router.ts';
import { providerProcedures } from '../src/routers/provider/_router.ts';
import { createCallerFactory, routerOf } from '../src/trpc.ts';

const testRouter = routerOf({ auth: authProcedures, provider: providerProcedures });
const createCaller = createCallerFactory(testRouter);

let database: TestDatabase;
let db: Db;
let sql: Sql;
let services: RouterServices;
let digitalocean: DigitalOceanStandin;
let hetzner: HetznerStandin;
let aws: AwsStandin;

const as = (token?: string) =>
  createCaller(
    createContext(services, {
      authorization: token ? `Bearer ${token}` : undefined,
      requestId: newId('req'),
      ip: '127.0.0.1',
    }),
  );

async function register(name: string) {
  const session = await as().auth.register({
    email: `${name}-${randomBytes(4).toString('hex')}@example.test`,
    password: 'correct horse battery',
    name,
  });
  return {
    token: session.token,
    userId: session.user.id,
    organizationId: session.organization!.id,
  };
}

let owner: Awaited<ReturnType<typeof register>>;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url });
  sql = createSql(database.url);
  [digitalocean, hetzner, aws] = await Promise.all([
    startDigitalOceanStandin(),
    startHetznerStandin(),
    startAwsStandin({ disabledRegions: ['sa-east-1'] }),
  ]);
  const urls = { digitalocean: digitalocean.url, hetzner: hetzner.url, aws: aws.url };
  services = createRouterServices({
    db,
    sql,
    sealer: createSealer(randomBytes(32)),
    log: createLogger({ name: 'provider-test', level: 'silent' }),
    openSignup: true,
    cloudClientOptions: (provider) => ({ baseUrl: urls[provider] }),
  });
  owner = await register('owner');
});

afterAll(async () => {
  await Promise.allSettled([digitalocean?.close(), hetzner?.close(), aws?.close()]);
  await Promise.allSettled([db?.$disconnect(), sql?.end()]);
  await database?.drop();
});

const codeOf = (error: unknown) => (error instanceof TRPCError ? error.code : error);

describe('provider credentials', () => {
  it('stores credentials sealed, lists them with a hint only, and replaces them by name', async () => {
    const token = `dop_v1_${'a'.repeat(56)}wxyz`;
    const stored = await as(owner.token).provider.setCredentials({
      organizationId: owner.organizationId,
      provider: 'digitalocean',
      credentials: { token },
    });
    expect(stored).toMatchObject({
      provider: 'digitalocean',
      name: 'default',
      hint: '…wxyz',
      clusters: 0,
    });

    const row = await db.providerCredential.findUniqueOrThrow({ where: { id: stored.id } });
    expect(row.secretEncrypted).not.toContain(token);
    expect(row.secretEncrypted).toMatch(/^v2\./);

    const listed = await as(owner.token).provider.listCredentials({
      organizationId: owner.organizationId,
    });
    expect(listed.map((credential) => credential.id)).toEqual([stored.id]);
    expect(JSON.stringify(listed)).not.toContain(token);

    const replaced = await as(owner.token).provider.setCredentials({
      organizationId: owner.organizationId,
      provider: 'digitalocean',
      credentials: { token: `dop_v1_${'b'.repeat(56)}9876` },
    });
    expect(replaced.id).toBe(stored.id);
    expect(replaced.hint).toBe('…9876');
    const audit = await db.auditLog.findMany({
      where: { targetId: stored.id },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((entry) => [entry.action, entry.outcome])).toEqual([
      ['provider.setCredentials', 'success'],
      ['provider.setCredentials', 'success'],
    ]);
  });

  it('still lists credentials that no longer open, saying so instead of failing', async () => {
    const stored = await as(owner.token).provider.setCredentials({
      organizationId: owner.organizationId,
      provider: 'hetzner',
      name: 'old-master-key',
      credentials: { token: 'hcloud-token-sealed-before-key-rotation' },
    });
    // Sealed under a different master key, as after a rotation done wrong.
    const foreign = createSealer(randomBytes(32)).seal(
      '{"token":"x"}',
      `provider-credential:${stored.id}`,
    );
    await db.providerCredential.update({
      where: { id: stored.id },
      data: { secretEncrypted: foreign },
    });
    const listed = await as(owner.token).provider.listCredentials({
      organizationId: owner.organizationId,
      provider: 'hetzner',
    });
    expect(listed.find((credential) => credential.id === stored.id)?.hint).toMatch(/^unreadable/);
    const tested = await as(owner.token)
      .provider.test({ providerCredentialId: stored.id })
      .catch((caught: unknown) => caught);
    expect(codeOf(tested)).toBe('PRECONDITION_FAILED');
  });

  it('refuses bad credentials naming the field', async () => {
    const error = await as(owner.token)
      .provider.setCredentials({
        organizationId: owner.organizationId,
        provider: 'aws',
        // @ts-expect-error: the region is missing on purpose
        credentials: { accessKeyId: 'AKIA0000000000000000', secretAccessKey: 'x'.repeat(40) },
      })
      .catch((caught: unknown) => caught);
    expect(codeOf(error)).toBe('BAD_REQUEST');
    expect(JSON.stringify((error as TRPCError).cause)).toContain('region');
  });

  it('tests stored credentials against the provider and says what is wrong', async () => {
    const good = await as(owner.token).provider.setCredentials({
      organizationId: owner.organizationId,
      provider: 'hetzner',
      name: 'good',
      credentials: { token: 'hcloud-standin-read-write-token-0000000000000000000000000000000' },
    });
    expect(await as(owner.token).provider.test({ providerCredentialId: good.id })).toMatchObject({
      ok: true,
      problem: null,
    });

    const bad = await as(owner.token).provider.setCredentials({
      organizationId: owner.organizationId,
      provider: 'digitalocean',
      name: 'revoked',
      credentials: { token: 'dop_v1_revoked000000000000000000000000' },
    });
    const badCheck = await as(owner.token).provider.test({ providerCredentialId: bad.id });
    expect(badCheck).toMatchObject({ ok: false, problem: 'bad-token' });
    expect(badCheck.message).toMatch(/Unable to authenticate you/);

    const readOnly = await as(owner.token).provider.setCredentials({
      organizationId: owner.organizationId,
      provider: 'aws',
      name: 'read-only',
      credentials: { ...awsReadOnlyCredentials, region: 'eu-west-1' },
    });
    expect(
      await as(owner.token).provider.test({ providerCredentialId: readOnly.id }),
    ).toMatchObject({
      ok: false,
      problem: 'read-only',
    });

    const disabledRegion = await as(owner.token).provider.setCredentials({
      organizationId: owner.organizationId,
      provider: 'aws',
      name: 'sao-paulo',
      credentials: { ...awsTestCredentials, region: 'sa-east-1' },
    });
    const regionCheck = await as(owner.token).provider.test({
      providerCredentialId: disabledRegion.id,
    });
    expect(regionCheck).toMatchObject({ ok: false, problem: 'wrong-region' });
    expect(regionCheck.message).toMatch(/sa-east-1 is not enabled/);
  });

  it('refuses to remove credentials a cluster uses (409), removes unused ones', async () => {
    const used = await as(owner.token).provider.setCredentials({
      organizationId: owner.organizationId,
      provider: 'digitalocean',
      name: 'in-use',
      credentials: { token: digitalOceanTestToken },
    });
    await db.cluster.create({
      data: {
        id: newId('cls'),
        organizationId: owner.organizationId,
        name: 'uses-credentials',
        provider: 'digitalocean',
        region: 'fra1',
        orchestrator: 'swarm',
        providerCredentialId: used.id,
      },
    });
    const refused = await as(owner.token)
      .provider.removeCredentials({ providerCredentialId: used.id })
      .catch((caught: unknown) => caught);
    expect(codeOf(refused)).toBe('CONFLICT');
    expect((refused as Error).message).toMatch(/used by 1 cluster/);

    const unused = await as(owner.token).provider.setCredentials({
      organizationId: owner.organizationId,
      provider: 'hetzner',
      name: 'unused',
      credentials: { token: 'hcloud-some-other-token-000000000000' },
    });
    await as(owner.token).provider.removeCredentials({ providerCredentialId: unused.id });
    expect(await db.providerCredential.findUnique({ where: { id: unused.id } })).toBeNull();
  });

  it('is for owners and admins: members get 403, other organizations 404', async () => {
    const member = await register('member');
    await db.membership.create({
      data: {
        id: newId('mem'),
        organizationId: owner.organizationId,
        userId: member.userId,
        role: 'member',
      },
    });
    const stranger = await register('stranger');
    const [credential] = await as(owner.token).provider.listCredentials({
      organizationId: owner.organizationId,
    });

    for (const [caller, expected] of [
      [member.token, 'FORBIDDEN'],
      [stranger.token, 'NOT_FOUND'],
    ] as const) {
      const attempts = [
        () => as(caller).provider.listCredentials({ organizationId: owner.organizationId }),
        () => as(caller).provider.test({ providerCredentialId: credential!.id }),
        () => as(caller).provider.removeCredentials({ providerCredentialId: credential!.id }),
        () =>
          as(caller).provider.setCredentials({
            organizationId: owner.organizationId,
            provider: 'digitalocean',
            credentials: { token: digitalOceanTestToken },
          }),
      ];
      for (const attempt of attempts) {
        expect(codeOf(await attempt().catch((caught: unknown) => caught))).toBe(expected);
      }
    }
    expect(
      codeOf(
        await as()
          .provider.listCredentials({ organizationId: owner.organizationId })
          .catch((e: unknown) => e),
      ),
    ).toBe('UNAUTHORIZED');
  });
});
