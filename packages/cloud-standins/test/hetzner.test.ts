import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type HetznerStandin,
  hetznerReadOnlyToken,
  hetznerTestToken,
  startHetznerStandin,
} from '../src/index.ts';

const publicKey =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHxEzm1kE7RX2PXDmBzQ1jAJVQ0m3bU3Mh2xVHfV2M6c standin';

const json = async <T>(response: Response | Promise<Response>) =>
  (await (await response).json()) as T;

interface HetznerError {
  error: { code: string; message: string };
}
interface Action {
  id: number;
  command: string;
  status: string;
}
interface ServerList {
  servers: { name: string; labels: Record<string, string> }[];
  meta: {
    pagination: {
      page: number;
      next_page: number | null;
      last_page: number;
      total_entries: number;
    };
  };
}

describe('Hetzner Cloud stand-in', () => {
  let standin: HetznerStandin;
  const call = (method: string, path: string, body?: unknown, token = hetznerTestToken) =>
    fetch(`${standin.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const create = (name: string, labels: Record<string, string> = {}) =>
    call('POST', '/v1/servers', {
      name,
      server_type: 'cpx11',
      image: 'ubuntu-24.04',
      location: 'nbg1',
      labels,
    });

  beforeEach(async () => {
    standin = await startHetznerStandin({ maxPerPage: 2, actionDelayMs: 30 });
  });
  afterEach(async () => {
    await standin.close();
  });

  it('answers 401 unauthorized and 403 token_readonly in Hetzner error shape', async () => {
    const denied = await call('GET', '/v1/servers', undefined, 'nope');
    expect(denied.status).toBe(401);
    expect((await json<HetznerError>(denied)).error.code).toBe('unauthorized');
    const readOnly = await call('POST', '/v1/ssh_keys', {}, hetznerReadOnlyToken);
    expect(readOnly.status).toBe(403);
    expect((await json<HetznerError>(readOnly)).error.code).toBe('token_readonly');
    const invalid = await call('POST', '/v1/ssh_keys', {});
    expect(invalid.status).toBe(400);
    expect((await json<HetznerError>(invalid)).error).toMatchObject({ code: 'invalid_input' });
  });

  it('creates a server with 201 and a create_server action that succeeds once it runs', async () => {
    const response = await create('flt-node-1', { flotilla: 'true' });
    expect(response.status).toBe(201);
    const body = await json<{ server: { id: number; status: string }; action: Action }>(response);
    expect(body.server.status).toBe('initializing');
    expect(body.action).toMatchObject({ command: 'create_server', status: 'running' });
    let action = body.action;
    for (let i = 0; i < 100 && action.status === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      action = (await json<{ action: Action }>(call('GET', `/v1/actions/${action.id}`))).action;
    }
    expect(action.status).toBe('success');
    const server = await json<{ server: { status: string; public_net: { ipv4: { ip: string } } } }>(
      call('GET', `/v1/servers/${body.server.id}`),
    );
    expect(server.server.status).toBe('running');
    expect(server.server.public_net.ipv4.ip).toMatch(/^203\.0\./);
  });

  it('refuses a second server with the same name with 409 uniqueness_error', async () => {
    await create('flt-node-1');
    const again = await create('flt-node-1');
    expect(again.status).toBe(409);
    expect((await json<HetznerError>(again)).error.code).toBe('uniqueness_error');
  });

  it('selects by label and paginates with meta.pagination', async () => {
    await create('a', { flotilla: 'true', 'flotilla-cluster': 'c1' });
    await create('b', { flotilla: 'true', 'flotilla-cluster': 'c1' });
    await create('c', { flotilla: 'true', 'flotilla-cluster': 'c2' });
    await create('d');
    const first = await json<ServerList>(
      call('GET', '/v1/servers?label_selector=flotilla&per_page=50'),
    );
    expect(first.servers.map((s) => s.name)).toEqual(['a', 'b']);
    expect(first.meta.pagination).toMatchObject({
      page: 1,
      next_page: 2,
      last_page: 2,
      total_entries: 3,
    });
    const second = await json<ServerList>(
      call('GET', '/v1/servers?label_selector=flotilla&page=2'),
    );
    expect(second.servers.map((s) => s.name)).toEqual(['c']);
    expect(second.meta.pagination.next_page).toBeNull();
    const c1 = await json<ServerList>(
      call(
        'GET',
        `/v1/servers?label_selector=${encodeURIComponent('flotilla,flotilla-cluster==c1')}`,
      ),
    );
    expect(c1.servers.map((s) => s.name)).toEqual(['a', 'b']);
    const unlabelled = await json<ServerList>(call('GET', '/v1/servers?label_selector=!flotilla'));
    expect(unlabelled.servers.map((s) => s.name)).toEqual(['d']);
  });

  it('deletes with a delete_server action that finishes later, then 404s', async () => {
    const { server } = await json<{ server: { id: number } }>(create('gone-soon'));
    const deleted = await call('DELETE', `/v1/servers/${server.id}`);
    const { action } = await json<{ action: Action }>(deleted);
    expect(action).toMatchObject({ command: 'delete_server', status: 'running' });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(
      (await json<{ action: Action }>(call('GET', `/v1/actions/${action.id}`))).action.status,
    ).toBe('success');
    expect((await call('GET', `/v1/servers/${server.id}`)).status).toBe(404);
  });

  it('sends RateLimit headers, and a 429 rate_limit_exceeded when a burst is planned', async () => {
    const ok = await call('GET', '/v1/servers');
    expect(ok.headers.get('ratelimit-limit')).toBe('3600');
    standin.faults.rateLimit(1);
    const limited = await call('GET', '/v1/servers');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect((await json<HetznerError>(limited)).error.code).toBe('rate_limit_exceeded');
  });

  it("enforces the project's request budget, counting down and refilling as Hetzner does", async () => {
    const small = await startHetznerStandin({ rateLimit: { limit: 3, windowSeconds: 1 } });
    try {
      const get = () =>
        fetch(`${small.url}/v1/servers`, {
          headers: { authorization: `Bearer ${hetznerTestToken}` },
        });
      const answers = [await get(), await get(), await get(), await get()];
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
      expect(answers.map((answer) => answer.headers.get('ratelimit-remaining'))).toEqual([
        '2',
        '1',
        '0',
        '0',
      ]);
      expect((await json<HetznerError>(answers[3]!)).error.code).toBe('rate_limit_exceeded');
      // RateLimit-Reset: when the bucket is full again, at most one window away.
      expect(Number(answers[3]!.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(
        Math.ceil(Date.now() / 1000) + 1,
      );
      // One more request every third of a second.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await get()).status).toBe(200);
      expect(small.requests().filter((request) => request.status === 429)).toHaveLength(1);
    } finally {
      await small.close();
    }
  });

  it('registers ssh keys and finds them by fingerprint', async () => {
    const created = await call('POST', '/v1/ssh_keys', { name: 'k', public_key: publicKey });
    expect(created.status).toBe(201);
    const { ssh_key: key } = await json<{ ssh_key: { fingerprint: string } }>(created);
    const found = await json<{ ssh_keys: unknown[] }>(
      call('GET', `/v1/ssh_keys?fingerprint=${encodeURIComponent(key.fingerprint)}`),
    );
    expect(found.ssh_keys).toHaveLength(1);
    const duplicate = await call('POST', '/v1/ssh_keys', { name: 'k2', public_key: publicKey });
    expect(duplicate.status).toBe(409);
  });
});
