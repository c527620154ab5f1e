// Dashboard sessions: they end when idle and at an absolute age, auth.refresh rotates the token
// within that age, auth.sessions lists them and ends one, a password change ends the others, and
// auth.methods says how one signs in here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi } from './harness.ts';

const password = 'correct horse battery';

let api: Harness;
// Lifetimes of seconds, so a test can watch them pass (the configuration takes minutes).
let short: Harness;
beforeAll(async () => {
  [api, short] = await Promise.all([
    startApi(),
    startApi({ sessionLifetimes: { idleMs: 1_500, maxAgeMs: 4_000 } }),
  ]);
});
afterAll(() => Promise.all([api?.close(), short?.close()]));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function login(email: string, userAgent = 'vitest', harness = api) {
  const reply = await harness.call('POST', '/api/auth.login', {
    body: { email, password },
    headers: { 'user-agent': userAgent },
  });
  expect(reply.status).toBe(200);
  return reply.body.result.data as { token: string; expiresAt: string; idleExpiresAt: string };
}

const me = (token: string, harness = api) => harness.call('GET', '/api/auth.me', { token });

describe('auth.methods', () => {
  it('says how one signs in and how long a session lasts, to anyone', async () => {
    const reply = await short.call('GET', '/api/auth.methods');
    expect(reply.status).toBe(200);
    expect(reply.body.result.data).toEqual({
      methods: ['password'],
      signup: 'open',
      session: { idleTimeoutSeconds: 1, maxAgeSeconds: 4 },
    });
  });
});

describe('session lifetimes', () => {
  it('ends a session left idle, and keeps one in use until its absolute age', async () => {
    const user = await registerUser(short);
    const idle = await login(user.email, 'vitest', short);
    const busy = await login(user.email, 'vitest', short);
    const signedIn = Date.now();
    expect(Date.parse(busy.expiresAt) - signedIn).toBeGreaterThan(3_000);
    expect(Date.parse(busy.idleExpiresAt)).toBeLessThan(Date.parse(busy.expiresAt));
    // `busy` is used every 0.5 s; `idle` not at all.
    while (Date.now() - signedIn < 2_500) {
      expect((await me(busy.token, short)).status).toBe(200);
      await sleep(500);
    }
    expect((await me(idle.token, short)).status).toBe(401);
    expect((await me(busy.token, short)).status).toBe(200);
    // Past the absolute age, use or not.
    while (Date.now() - signedIn < 4_300) {
      await me(busy.token, short);
      await sleep(400);
    }
    const ended = await me(busy.token, short);
    expect(ended.status).toBe(401);
    expect(ended.body.error.message).toMatch(/expired/);
  });

  it('never ends an API token for idleness', async () => {
    const user = await registerUser(short);
    const created = await short.call('POST', '/api/token.create', {
      token: user.token,
      body: { name: 'ci' },
    });
    expect(created.status).toBe(201);
    await sleep(1_800);
    expect((await me(created.body.result.data.token, short)).status).toBe(200);
  });
});

describe('auth.refresh', () => {
  it('replaces the token: the old one stops at once, the new one ends with the sign-in', async () => {
    const user = await registerUser(api);
    const session = await login(user.email);
    const reply = await api.call('POST', '/api/auth.refresh', { token: session.token });
    expect(reply.status).toBe(200);
    const refreshed = reply.body.result.data;
    expect(refreshed.token).not.toBe(session.token);
    expect(refreshed.user.email).toBe(user.email);
    // Rotating does not lengthen: the absolute end is the sign-in's.
    expect(refreshed.expiresAt).toBe(session.expiresAt);
    expect((await me(session.token)).status).toBe(401);
    expect((await me(refreshed.token)).status).toBe(200);
    expect((await api.call('POST', '/api/auth.refresh', { token: session.token })).status).toBe(
      401,
    );
  });

  it('refuses an API token', async () => {
    const user = await registerUser(api);
    const created = await api.call('POST', '/api/token.create', {
      token: user.token,
      body: { name: 'script' },
    });
    const reply = await api.call('POST', '/api/auth.refresh', {
      token: created.body.result.data.token,
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toMatch(/Only dashboard sessions/);
  });
});

describe('auth.sessions and auth.endSession', () => {
  it("lists the caller's sessions with where they came from, and ends one everywhere", async () => {
    const user = await registerUser(api);
    const laptop = await login(user.email, 'Firefox on the laptop');
    const phone = await login(user.email, 'Safari on the phone');
    const listed = await api.call('GET', '/api/auth.sessions', { token: laptop.token });
    expect(listed.status).toBe(200);
    const items = listed.body.result.data.items as {
      id: string;
      current: boolean;
      userAgent: string | null;
      ip: string | null;
    }[];
    // The registration's own session is one of them too.
    expect(items).toHaveLength(3);
    const current = items.filter((item) => item.current);
    expect(current).toHaveLength(1);
    expect(current[0]?.userAgent).toBe('Firefox on the laptop');
    expect(items.map((item) => item.ip)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    const other = items.find((item) => item.userAgent === 'Safari on the phone');
    if (!other) throw new Error('the phone session is not listed');

    const ended = await api.call('DELETE', '/api/auth.endSession', {
      token: laptop.token,
      body: { sessionId: other.id },
    });
    expect(ended.status).toBe(204);
    expect((await me(phone.token)).status).toBe(401);
    expect((await me(laptop.token)).status).toBe(200);
    const after = await api.call('GET', '/api/auth.sessions', { token: laptop.token });
    expect(after.body.result.data.items.map((item: { id: string }) => item.id)).not.toContain(
      other.id,
    );

    // Someone else's session is not found, nor is one already ended.
    const stranger = await registerUser(api);
    const foreign = await api.call('DELETE', '/api/auth.endSession', {
      token: stranger.token,
      body: { sessionId: current[0]?.id },
    });
    expect(foreign.status).toBe(404);
    expect((await me(laptop.token)).status).toBe(200);
    const again = await api.call('DELETE', '/api/auth.endSession', {
      token: laptop.token,
      body: { sessionId: other.id },
    });
    expect(again.status).toBe(404);
  });
});

describe('auth.changePassword', () => {
  it('needs the current password, then ends every other session', async () => {
    const user = await registerUser(api);
    const here = await login(user.email);
    const elsewhere = await login(user.email);
    const apiToken = await api.call('POST', '/api/token.create', {
      token: here.token,
      body: { name: 'deploy-bot' },
    });
    const wrong = await api.call('POST', '/api/auth.changePassword', {
      token: here.token,
      body: { currentPassword: 'not it at all', newPassword: 'a new and long password' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.issues[0].path).toBe('currentPassword');
    const short = await api.call('POST', '/api/auth.changePassword', {
      token: here.token,
      body: { currentPassword: password, newPassword: 'short' },
    });
    expect(short.status).toBe(400);
    expect(short.body.error.issues[0].path).toBe('newPassword');
    expect((await me(elsewhere.token)).status).toBe(200);

    const changed = await api.call('POST', '/api/auth.changePassword', {
      token: here.token,
      body: { currentPassword: password, newPassword: 'a new and long password' },
    });
    expect(changed.status).toBe(200);
    // The registration's session and `elsewhere`.
    expect(changed.body.result.data).toEqual({ endedSessions: 2 });
    expect((await me(elsewhere.token)).status).toBe(401);
    expect((await me(user.token)).status).toBe(401);
    expect((await me(here.token)).status).toBe(200);
    // API tokens are credentials of their own: revoked one by one, not by a password change.
    expect((await me(apiToken.body.result.data.token)).status).toBe(200);
    const old = await api.call('POST', '/api/auth.login', {
      body: { email: user.email, password },
    });
    expect(old.status).toBe(401);
    const renewed = await api.call('POST', '/api/auth.login', {
      body: { email: user.email, password: 'a new and long password' },
    });
    expect(renewed.status).toBe(200);
  });
});
