import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi } from './harness.ts';

let api: Harness;
beforeAll(async () => {
  api = await startApi({
    loginLimits: {
      perIp: { limit: 1000, windowMs: 60_000 },
      perAccount: { limit: 3, windowMs: 60_000 },
    },
  });
});
afterAll(() => api.close());

describe('auth', () => {
  it('registers a user as owner of a new organization and returns a working token', async () => {
    const reply = await api.call('POST', '/api/auth.register', {
      body: { email: 'Ada@Example.test', password: 'correct horse battery', name: 'Ada' },
    });
    expect(reply.status).toBe(201);
    const data = reply.body.result.data;
    expect(data.user).toMatchObject({ email: 'ada@example.test', name: 'Ada' });
    expect(data.organization.role).toBe('owner');
    expect(data.token).toMatch(/^fls_/);
    expect(JSON.stringify(reply.body)).not.toContain('passwordHash');

    const me = await api.call('GET', '/api/auth.me', { token: data.token });
    expect(me.status).toBe(200);
    expect(me.body.result.data.organizations).toEqual([
      expect.objectContaining({ id: data.organization.id, role: 'owner' }),
    ]);
  });

  it('refuses a second account with the same email with 409', async () => {
    const body = { email: 'twice@example.test', password: 'correct horse battery', name: 'T' };
    expect((await api.call('POST', '/api/auth.register', { body })).status).toBe(201);
    const again = await api.call('POST', '/api/auth.register', { body });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
  });

  it('logs in with the right password and answers 401 "Invalid email or password" otherwise', async () => {
    const user = await registerUser(api, 'login');
    const ok = await api.call('POST', '/api/auth.login', {
      body: { email: user.email, password: 'correct horse battery' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.result.data.token).toMatch(/^fls_/);

    const wrong = await api.call('POST', '/api/auth.login', {
      body: { email: user.email, password: 'wrong password!' },
    });
    const unknown = await api.call('POST', '/api/auth.login', {
      body: { email: 'nobody@example.test', password: 'wrong password!' },
    });
    for (const reply of [wrong, unknown]) {
      expect(reply.status).toBe(401);
      expect(reply.body.error).toEqual({
        code: 'UNAUTHORIZED',
        message: 'Invalid email or password',
      });
    }
  });

  it('rate limits login attempts per account with 429 and Retry-After', async () => {
    const user = await registerUser(api, 'brute');
    const attempt = () =>
      api.call('POST', '/api/auth.login', { body: { email: user.email, password: 'guess-guess' } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt()).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error.code).toBe('TOO_MANY_REQUESTS');
  });

  it('names the fields of a bad registration', async () => {
    const reply = await api.call('POST', '/api/auth.register', {
      body: { email: 'not-an-email', password: 'short', name: '' },
    });
    expect(reply.status).toBe(400);
    const paths = reply.body.error.issues.map((issue: { path: string }) => issue.path).sort();
    expect(paths).toEqual(['email', 'name', 'password']);
  });

  it('logout revokes the session token at once', async () => {
    const user = await registerUser(api, 'logout');
    expect((await api.call('GET', '/api/auth.me', { token: user.token })).status).toBe(200);
    expect((await api.call('POST', '/api/auth.logout', { token: user.token })).status).toBe(200);
    expect((await api.call('GET', '/api/auth.me', { token: user.token })).status).toBe(401);
  });
});

describe('closed sign-up', () => {
  it('lets only the first user register, then only by invitation', async () => {
    const closed = await (await import('./harness.ts')).startApi({ openSignup: false });
    const status = async () =>
      (await closed.call('GET', '/api/auth.status', {})).body.result.data.signup;
    try {
      expect(await status()).toBe('first-user');
      const first = await closed.call('POST', '/api/auth.register', {
        body: { email: 'first@example.test', password: 'correct horse battery', name: 'First' },
      });
      expect(first.status).toBe(201);
      const second = await closed.call('POST', '/api/auth.register', {
        body: { email: 'second@example.test', password: 'correct horse battery', name: 'Second' },
      });
      expect(second.status).toBe(403);
      expect(second.body.error.message).toMatch(/invitation/);
      expect(await status()).toBe('invitation-only');

      const owner = first.body.result.data;
      const invite = await closed.call('POST', '/api/organization.invite', {
        token: owner.token,
        body: {
          organizationId: owner.organization.id,
          email: 'second@example.test',
          role: 'member',
        },
      });
      expect(invite.status).toBe(201);
      const accepted = await closed.call('POST', '/api/auth.acceptInvite', {
        body: {
          token: invite.body.result.data.token,
          name: 'Second',
          password: 'correct horse battery',
        },
      });
      expect(accepted.status).toBe(200);
      expect(accepted.body.result.data.organization).toMatchObject({
        id: owner.organization.id,
        role: 'member',
      });
      const reused = await closed.call('POST', '/api/auth.acceptInvite', {
        body: {
          token: invite.body.result.data.token,
          name: 'Again',
          password: 'correct horse battery',
        },
      });
      expect(reused.status).toBe(404);
    } finally {
      await closed.close();
    }
  });
});

describe('open sign-up', () => {
  it('says anyone may register', async () => {
    const reply = await api.call('GET', '/api/auth.status', {});
    expect(reply.status).toBe(200);
    expect(reply.body.result.data).toEqual({ signup: 'open' });
  });
});

describe('tokens', () => {
  it('creates an API token shown once, lists it without the secret, and revokes it', async () => {
    const user = await registerUser(api, 'tokens');
    const created = await api.call('POST', '/api/token.create', {
      token: user.token,
      body: { name: 'ci' },
    });
    expect(created.status).toBe(201);
    const apiToken = created.body.result.data.token as string;
    expect(apiToken).toMatch(/^flt_/);

    const list = await api.call('GET', '/api/token.list', { token: apiToken });
    expect(list.status).toBe(200);
    expect(list.body.result.data.total).toBe(2);
    expect(JSON.stringify(list.body)).not.toContain(apiToken);

    const revoked = await api.call('DELETE', '/api/token.revoke', {
      token: user.token,
      body: { tokenId: created.body.result.data.id },
    });
    expect(revoked.status).toBe(204);
    expect((await api.call('GET', '/api/auth.me', { token: apiToken })).status).toBe(401);
  });

  it("cannot revoke another user's token", async () => {
    const a = await registerUser(api, 'a');
    const b = await registerUser(api, 'b');
    const created = await api.call('POST', '/api/token.create', {
      token: a.token,
      body: { name: 'x' },
    });
    const reply = await api.call('DELETE', '/api/token.revoke', {
      token: b.token,
      body: { tokenId: created.body.result.data.id },
    });
    expect(reply.status).toBe(404);
  });

  it('refuses an expiry in the past', async () => {
    const user = await registerUser(api, 'past');
    const reply = await api.call('POST', '/api/token.create', {
      token: user.token,
      body: { name: 'old', expiresAt: '2001-01-01T00:00:00Z' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toMatch(/expiresAt/);
  });
});

describe('organizations', () => {
  it('lists members, and hides other organizations behind 404', async () => {
    const owner = await registerUser(api, 'owner');
    const stranger = await registerUser(api, 'stranger');
    const all = await api.call('GET', '/api/organization.all', { token: owner.token });
    expect(all.body.result.data).toHaveLength(1);
    const members = await api.call('GET', '/api/organization.members', {
      token: owner.token,
      query: { organizationId: owner.organizationId },
    });
    expect(members.body.result.data).toMatchObject({ total: 1, page: 1, limit: 20 });
    for (const path of ['/api/organization.one', '/api/organization.members']) {
      const reply = await api.call('GET', path, {
        token: stranger.token,
        query: { organizationId: owner.organizationId },
      });
      expect(reply.status).toBe(404);
    }
  });

  it('lets only owners and admins invite, and only owners invite owners', async () => {
    const owner = await registerUser(api, 'inviter');
    const invite = (token: string, email: string, role: string) =>
      api.call('POST', '/api/organization.invite', {
        token,
        body: { organizationId: owner.organizationId, email, role },
      });
    const joinAs = async (role: string) => {
      const email = `${role}-${Date.now()}-${Math.random()}@example.test`;
      const inv = await invite(owner.token, email, role);
      const accepted = await api.call('POST', '/api/auth.acceptInvite', {
        body: { token: inv.body.result.data.token, name: role, password: 'correct horse battery' },
      });
      return accepted.body.result.data.token as string;
    };
    const admin = await joinAs('admin');
    const member = await joinAs('member');
    expect((await invite(admin, 'x@example.test', 'member')).status).toBe(201);
    expect((await invite(admin, 'y@example.test', 'owner')).status).toBe(403);
    expect((await invite(member, 'z@example.test', 'member')).status).toBe(403);
  });
});

describe('HTTP envelope', () => {
  it('answers 401 without or with a bad token', async () => {
    const none = await api.call('GET', '/api/organization.all');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    const bad = await api.call('GET', '/api/organization.all', { token: 'flt_not-a-real-token' });
    expect(bad.status).toBe(401);
  });

  it('answers 405 with Allow for the wrong method and 404 for an unknown procedure', async () => {
    const wrong = await api.call('POST', '/api/organization.all', { body: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    const unknown = await api.call('GET', '/api/cluster.nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    expect((await api.call('GET', '/nowhere')).status).toBe(404);
  });

  it('refuses a body over 1 MiB with 413 and invalid JSON with 400', async () => {
    const huge = await api.call('POST', '/api/auth.login', {
      rawBody: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const broken = await api.call('POST', '/api/auth.login', { rawBody: '{"email":' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('PARSE_ERROR');
  });

  it('writes an audit entry for every mutation, failed or not', async () => {
    const user = await registerUser(api, 'audited');
    await api.call('POST', '/api/token.create', {
      token: user.token,
      body: { name: 'audited' },
      headers: { 'x-request-id': 'req-audit-1' },
    });
    await api.call('POST', '/api/token.create', { token: user.token, body: { name: '' } });
    const entries = await api.db.auditLog.findMany({
      where: { actorId: user.userId, action: 'token.create' },
      orderBy: { id: 'asc' },
    });
    expect(entries.map((e) => [e.outcome, e.errorCode])).toEqual([
      ['success', null],
      ['failure', 'BAD_REQUEST'],
    ]);
    expect(entries[0]).toMatchObject({
      requestId: 'req-audit-1',
      targetType: 'token',
      ip: '127.0.0.1',
    });
  });
});

describe('address limit', () => {
  it('counts every password-hashing endpoint against the client address', async () => {
    const limited = await startApi({
      loginLimits: {
        perIp: { limit: 2, windowMs: 60_000 },
        perAccount: { limit: 100, windowMs: 60_000 },
      },
    });
    try {
      const register = (n: number) =>
        limited.call('POST', '/api/auth.register', {
          body: { email: `ip-${n}@example.test`, password: 'correct horse battery', name: 'Ip' },
        });
      expect((await register(1)).status).toBe(201);
      expect(
        (
          await limited.call('POST', '/api/auth.login', {
            body: { email: 'ip-1@example.test', password: 'wrong password' },
          })
        ).status,
      ).toBe(401);
      const third = await register(2);
      expect(third.status).toBe(429);
      expect(third.body.error.message).toMatch(/this address/);
    } finally {
      await limited.close();
    }
  });
});
