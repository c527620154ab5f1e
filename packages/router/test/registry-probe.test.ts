// registry.test's probe against a real HTTPS server on loopback speaking the registry API's
// auth flows (Basic, and the distribution spec's Bearer token from a realm), with a certificate
// of a private CA: verified with the stored CA, refused without it, each failure named.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetworkPolicy } from '@flotilla/network-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldError } from '../src/errors.ts';
import { normalizeCaCert } from '../src/routers/registry/ca.ts';
import { probeRegistry } from '../src/routers/registry/probe.ts';

const dir = mkdtempSync(join(tmpdir(), 'registry-probe-'));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const file = (name: string) => readFileSync(join(dir, name), 'utf8');

/** A CA and a server certificate it signs for `registry.example` and 127.0.0.1. */
function makeCertificates() {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    '/CN=probe test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  openssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    '/CN=other CA',
    '-keyout',
    'other.key',
    '-out',
    'other.pem',
  );
  openssl(
    'req',
    ...ec,
    '-subj',
    '/CN=registry.example',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  const ext = join(dir, 'ext.cnf');
  execFileSync('sh', [
    '-c',
    `printf 'subjectAltName=DNS:registry.example,IP:127.0.0.1\\n' > ${ext}`,
  ]);
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    'server.pem',
  );
}

const user = 'probe';
const password = 'right-password';
const token = 'a-registry-token';
const basicOk = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A registry that wants Basic credentials, or (bearer) a token from its realm. */
function startRegistry(mode: 'basic' | 'bearer'): Promise<Server> {
  const server = createServer({ key: file('server.key'), cert: file('server.pem') }, (req, res) => {
    const auth = req.headers.authorization;
    const port = (server.address() as AddressInfo).port;
    if (req.url?.startsWith('/token')) {
      const url = new URL(req.url, 'https://x');
      if (auth !== basicOk || url.searchParams.get('service') !== 'probe-registry') {
        res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token }));
      return;
    }
    if (req.url !== '/v2/') {
      res.writeHead(404).end();
      return;
    }
    const accepted = mode === 'basic' ? auth === basicOk : auth === `Bearer ${token}`;
    if (accepted) {
      res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' }).end('{}');
      return;
    }
    res.writeHead(401, {
      'www-authenticate':
        mode === 'basic'
          ? 'Basic realm="probe"'
          : `Bearer realm="https://registry.example:${port}/token",service="probe-registry"`,
    });
    res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Loopback is refused by default; the test opens it, and names `registry.example` for it.
const policy = createNetworkPolicy({
  allow: ['127.0.0.1/32'],
  resolve: async (name) => {
    if (name === 'registry.example') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`no such name ${name}`), { code: 'ENOTFOUND' });
  },
});

let basic: Server;
let bearer: Server;
const at = (server: Server, host = 'registry.example') =>
  `${host}:${(server.address() as AddressInfo).port}`;

beforeAll(async () => {
  makeCertificates();
  [basic, bearer] = await Promise.all([startRegistry('basic'), startRegistry('bearer')]);
});

afterAll(() => {
  basic?.close();
  bearer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('probeRegistry', () => {
  it('accepts Basic credentials over TLS verified with the stored CA', async () => {
    const result = await probeRegistry(
      policy,
      at(basic),
      { username: user, password },
      { caCert: file('ca.pem') },
    );
    expect(result).toEqual({
      ok: true,
      problem: null,
      message: 'the registry accepts the credentials',
    });
  });

  it('follows the Bearer token flow: realm, service, token, then /v2/ again', async () => {
    const result = await probeRegistry(
      policy,
      at(bearer),
      { username: user, password },
      { caCert: file('ca.pem') },
    );
    expect(result.ok).toBe(true);
    const refused = await probeRegistry(
      policy,
      at(bearer),
      { username: user, password: 'wrong' },
      { caCert: file('ca.pem') },
    );
    expect(refused).toMatchObject({ ok: false, problem: 'unauthorized' });
    expect(refused.message).toContain('token service refused the user name or password');
  });

  it('names an unknown authority without the CA, and with a CA that did not sign it', async () => {
    const without = await probeRegistry(policy, at(basic), { username: user, password });
    expect(without).toMatchObject({ ok: false, problem: 'unknownAuthority' });
    expect(without.message).toMatch(/signed by an unknown authority .*add the registry's CA/);
    const other = await probeRegistry(
      policy,
      at(basic),
      { username: user, password },
      { caCert: file('other.pem') },
    );
    expect(other).toMatchObject({ ok: false, problem: 'unknownAuthority' });
    expect(other.message).toContain('not signed by the stored CA');
  });

  it('names a wrong password and missing credentials', async () => {
    const wrong = await probeRegistry(
      policy,
      at(basic),
      { username: user, password: 'wrong' },
      { caCert: file('ca.pem') },
    );
    expect(wrong).toEqual({
      ok: false,
      problem: 'unauthorized',
      message: 'the registry refused the user name or password (HTTP 401)',
    });
    const none = await probeRegistry(
      policy,
      at(basic),
      { username: null, password: null },
      { caCert: file('ca.pem') },
    );
    expect(none).toMatchObject({ ok: false, problem: 'unauthorized' });
    expect(none.message).toContain('add a user name and password');
  });

  it('names a certificate for another host, a closed port and a refused address', async () => {
    // The certificate is for registry.example and 127.0.0.1, not for this name.
    const policyOther = createNetworkPolicy({
      allow: ['127.0.0.1/32'],
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const altname = await probeRegistry(
      policyOther,
      at(basic, 'elsewhere.example'),
      { username: user, password },
      { caCert: file('ca.pem') },
    );
    expect(altname).toMatchObject({ ok: false, problem: 'certificate' });
    const closed = await probeRegistry(
      policy,
      'registry.example:1',
      { username: user, password },
      { caCert: file('ca.pem'), timeoutMs: 2_000 },
    );
    expect(closed).toMatchObject({ ok: false, problem: 'unreachable' });
    const refused = await probeRegistry(createNetworkPolicy({}), at(basic, '127.0.0.1'), {
      username: user,
      password,
    });
    expect(refused).toMatchObject({ ok: false, problem: 'refused' });
    expect(refused.message).toContain('loopback');
  });
});

describe('normalizeCaCert', () => {
  const caught = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    throw new Error('did not throw');
  };

  it('keeps the certificates of a bundle, re-encoded, and drops text around them', () => {
    const bundle = `subject=CN = probe test CA\n${file('ca.pem')}\n\n${file('other.pem')}`;
    const normalized = normalizeCaCert(bundle);
    expect(normalized.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(normalized).not.toContain('subject=');
    expect(normalized.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
  });

  it('answers a 400 naming caCert for a key, garbage and an expired certificate', () => {
    const key = caught(() => normalizeCaCert(file('ca.key')));
    expect(key).toBeInstanceOf(FieldError);
    expect((key as FieldError).issues).toEqual([
      { path: 'caCert', message: 'holds a private key: paste only the CA certificate' },
    ]);
    const garbage = caught(() =>
      normalizeCaCert('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----'),
    );
    expect((garbage as FieldError).issues[0]).toEqual({
      path: 'caCert',
      message: 'certificate 1 does not parse as X.509',
    });
    const later = new Date(Date.now() + 10 * 86_400_000);
    const expired = caught(() => normalizeCaCert(file('ca.pem'), later));
    expect((expired as FieldError).issues[0]?.message).toMatch(/certificate 1 .* expired on /);
  });
});
