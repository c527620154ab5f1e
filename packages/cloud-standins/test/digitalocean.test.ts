import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type DigitalOceanStandin,
  digitalOceanReadOnlyToken,
  digitalOceanTestToken,
  startDigitalOceanStandin,
} from '../src/index.ts';

const publicKey =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHxEzm1kE7RX2PXDmBzQ1jAJVQ0m3bU3Mh2xVHfV2M6c standin';

const json = async <T>(response: Response | Promise<Response>) =>
  (await (await response).json()) as T;
const errorOf = (response: Response) => json<{ id: string; message: string }>(response);

interface Droplet {
  id: number;
  name: string;
  status: string;
  networks: { v4: { type: string }[] };
}

interface DropletPage {
  droplets: { name: string }[];
  meta: { total: number };
  links: { pages: { next?: string; prev?: string } };
}

describe('DigitalOcean stand-in', () => {
  let standin: DigitalOceanStandin;
  const call = (method: string, path: string, body?: unknown, token = digitalOceanTestToken) =>
    fetch(`${standin.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeEach(async () => {
    standin = await startDigitalOceanStandin({ maxPerPage: 2, retryAfterSeconds: 1 });
  });
  afterEach(async () => {
    await standin.close();
  });

  it('answers 401 with DigitalOcean error shape to an unknown token', async () => {
    const response = await call('GET', '/v2/account', undefined, 'nope');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      id: 'unauthorized',
      message: 'Unable to authenticate you',
    });
  });

  it('refuses writes from a read-only token with 403, before validating the body', async () => {
    const response = await call('POST', '/v2/droplets', {}, digitalOceanReadOnlyToken);
    expect(response.status).toBe(403);
    expect((await call('POST', '/v2/droplets', {})).status).toBe(422);
  });

  it('creates a droplet with 202, boots it to active with a public address, deletes with 204', async () => {
    const key = await json<{ ssh_key: { fingerprint: string } }>(
      call('POST', '/v2/account/keys', { name: 'k', public_key: publicKey }),
    );
    expect(key.ssh_key.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    const created = await call('POST', '/v2/droplets', {
      name: 'flt-node-1',
      region: 'fra1',
      size: 's-1vcpu-1gb',
      image: 'ubuntu-24-04-x64',
      ssh_keys: [key.ssh_key.fingerprint],
      tags: ['flotilla'],
    });
    expect(created.status).toBe(202);
    const { droplet } = await json<{ droplet: Droplet }>(created);
    expect(droplet).toMatchObject({ name: 'flt-node-1', status: 'new', tags: ['flotilla'] });
    expect(created.headers.get('ratelimit-limit')).toBe('5000');

    let current = droplet;
    for (let i = 0; i < 100 && current.status !== 'active'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      current = (await json<{ droplet: Droplet }>(call('GET', `/v2/droplets/${droplet.id}`)))
        .droplet;
    }
    expect(current.status).toBe('active');
    expect(current.networks.v4[0]).toMatchObject({ type: 'public' });

    expect((await call('DELETE', `/v2/droplets/${droplet.id}`)).status).toBe(204);
    const gone = await call('GET', `/v2/droplets/${droplet.id}`);
    expect(gone.status).toBe(404);
    expect((await errorOf(gone)).id).toBe('not_found');
  });

  it('refuses a region, size or image DigitalOcean does not offer with 422', async () => {
    const base = { name: 'ok', region: 'fra1', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64' };
    for (const [field, value, message] of [
      ['region', 'mars1', /Region is not available/],
      ['size', 's-1vcpu-3gb', /Size is not available/],
      ['image', 'windows-95', /invalid image/],
    ] as const) {
      const response = await call('POST', '/v2/droplets', { ...base, [field]: value });
      expect(response.status).toBe(422);
      expect((await errorOf(response)).message).toMatch(message);
    }
  });

  it('refuses a droplet name that is not a hostname and an unknown SSH key with 422', async () => {
    const base = { region: 'fra1', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64' };
    const badName = await call('POST', '/v2/droplets', { ...base, name: 'flt_node' });
    expect(badName.status).toBe(422);
    expect((await errorOf(badName)).id).toBe('unprocessable_entity');
    const badKey = await call('POST', '/v2/droplets', { ...base, name: 'ok', ssh_keys: ['aa:bb'] });
    expect((await errorOf(badKey)).message).toMatch(/invalid ssh key/);
  });

  it('paginates with links.pages and meta.total, honouring per_page up to the maximum', async () => {
    for (const name of ['a', 'b', 'c']) {
      await call('POST', '/v2/droplets', {
        name,
        region: 'fra1',
        size: 's-1vcpu-1gb',
        image: 'ubuntu-24-04-x64',
        tags: ['flotilla'],
      });
    }
    const first = (await (
      await call('GET', '/v2/droplets?tag_name=flotilla&per_page=50')
    ).json()) as DropletPage;
    expect(first.droplets).toHaveLength(2);
    expect(first.meta.total).toBe(3);
    const next = new URL(first.links.pages.next ?? '');
    expect(next.searchParams.get('page')).toBe('2');
    const second = (await (
      await call('GET', `${next.pathname}${next.search}`)
    ).json()) as DropletPage;
    expect(second.droplets.map((d) => d.name)).toEqual(['c']);
    expect(second.links.pages.next).toBeUndefined();
    expect(second.links.pages.prev).toBeDefined();
  });

  it('answers 429 with Retry-After once the per-minute budget is spent', async () => {
    const small = await startDigitalOceanStandin({
      rateLimit: [
        { limit: 5000, windowSeconds: 3600 },
        { limit: 2, windowSeconds: 60 },
      ],
    });
    try {
      const get = () =>
        fetch(`${small.url}/v2/account`, {
          headers: { authorization: `Bearer ${digitalOceanTestToken}` },
        });
      const answers = [await get(), await get(), await get()];
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 429]);
      // The hourly budget is the one announced; the minute's refills one request in 30 s.
      expect(answers[2]!.headers.get('ratelimit-limit')).toBe('5000');
      expect(Number(answers[2]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
      expect(Number(answers[2]!.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    } finally {
      await small.close();
    }
  });

  it('plans faults over HTTP: a 429 with rate-limit headers, then a 500', async () => {
    const planned = await fetch(`${standin.url}/_standin/faults`, {
      method: 'POST',
      body: JSON.stringify({ rateLimit: 1, serverError: 1 }),
    });
    expect(await planned.json()).toMatchObject({ rateLimit: 1, serverError: 1 });
    const limited = await call('GET', '/v2/account');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect((await call('GET', '/v2/account')).status).toBe(500);
    expect((await call('GET', '/v2/account')).status).toBe(200);

    const wrong = await fetch(`${standin.url}/_standin/faults`, {
      method: 'POST',
      body: JSON.stringify({ meteorStrike: 1 }),
    });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { message: string }).message).toMatch(
      /unknown fault "meteorStrike"/,
    );
  });
});
