// The client's TLS path in the cases k3s's stand-in does not cover (a bearer token, an impostor
// server, the API server's refusal seen byte for byte): a local HTTPS server that demands a
// client certificate signed by its CA, reached through a byte stream the test opens (in
// production an SSH tunnel), with the credentials taken from a kubeconfig.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesClient, KubernetesApiError, parseKubeconfig } from '../src/index.ts';

let dir: string;
let server: Server;
let port: number;
const seen: {
  method?: string;
  url?: string;
  type?: string;
  cn?: string;
  authorization?: string;
  body: string;
}[] = [];
const pem = (name: string) => readFileSync(join(dir, name));
const b64 = (name: string) => pem(name).toString('base64');

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, and a certificate it signs for `cn` (with the SANs given, for a server). */
function issue(ca: string, name: string, cn: string, san?: string) {
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  );
  const ext = san ? ['-extfile', `${name}.ext`] : [];
  if (san)
    execFileSync('sh', ['-c', `printf 'subjectAltName=${san}\\n' > ${name}.ext`], { cwd: dir });
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    `${name}.crt`,
    ...ext,
  );
}

function newCa(name: string) {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
  );
}

function kubeconfig(user: string, ca = 'ca') {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: default',
    '  cluster:',
    // The address names the TLS peer; the bytes go through whatever `connect` opens.
    '    server: https://127.0.0.1:6443',
    `    certificate-authority-data: ${b64(`${ca}.crt`)}`,
    'users:',
    '- name: default',
    `  user:\n${user}`,
    'contexts:',
    '- name: default',
    '  context: { cluster: default, user: default }',
    'current-context: default',
  ].join('\n');
}

const tunnel = () => Promise.resolve(connect(port, '127.0.0.1'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kube-tls-'));
  newCa('ca');
  newCa('other-ca');
  issue('ca', 'server', 'kube-apiserver', 'IP:127.0.0.1,DNS:kubernetes');
  issue('ca', 'client', 'flotilla-admin');
  issue('other-ca', 'impostor', 'kube-apiserver', 'IP:127.0.0.1');
  server = createServer(
    {
      key: pem('server.key'),
      cert: pem('server.crt'),
      ca: pem('ca.crt'),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const cert = (req.socket as TLSSocket).getPeerCertificate();
        const authorized = (req.socket as TLSSocket).authorized;
        seen.push({
          method: req.method,
          url: req.url,
          body,
          ...(req.headers['content-type'] ? { type: req.headers['content-type'] } : {}),
          ...(authorized && cert?.subject ? { cn: String(cert.subject.CN) } : {}),
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        });
        const reply = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        if (!authorized && !req.headers.authorization) {
          return reply(401, {
            kind: 'Status',
            status: 'Failure',
            reason: 'Unauthorized',
            code: 401,
            message: 'Unauthorized',
          });
        }
        if (req.url?.includes('/services/bad')) {
          return reply(422, {
            kind: 'Status',
            status: 'Failure',
            reason: 'Invalid',
            code: 422,
            message: 'Service "bad" is invalid: spec.ports[0].port: Invalid value: 70000',
            details: {
              causes: [
                {
                  reason: 'FieldValueInvalid',
                  field: 'spec.ports[0].port',
                  message: 'Invalid value: 70000',
                },
              ],
            },
          });
        }
        if (req.method === 'GET' && req.url?.includes('/configmaps/missing')) {
          return reply(404, {
            kind: 'Status',
            status: 'Failure',
            reason: 'NotFound',
            code: 404,
            message: 'not found',
          });
        }
        reply(
          req.method === 'PATCH' ? 201 : 200,
          body ? JSON.parse(body) : { kind: 'ConfigMapList', items: [] },
        );
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const configMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-env', namespace: 'team-a' },
  data: { GREETING: 'hello' },
};

describe('the Kubernetes client over TLS', () => {
  it('applies with the kubeconfig’s client certificate, checking the server against its CA', async () => {
    const client = createKubernetesClient({
      connect: tunnel,
      kubeconfig: kubeconfig(
        `    client-certificate-data: ${b64('client.crt')}\n    client-key-data: ${b64('client.key')}`,
      ),
    });
    seen.length = 0;
    expect(await client.apply(configMap)).toEqual(configMap);
    expect(seen).toEqual([
      {
        method: 'PATCH',
        url: '/api/v1/namespaces/team-a/configmaps/web-env?fieldManager=flotilla&force=true',
        type: 'application/apply-patch+yaml',
        cn: 'flotilla-admin',
        body: JSON.stringify(configMap),
      },
    ]);
    expect(await client.get('ConfigMap', 'team-a', 'missing')).toBeNull();
    await expect(client.list('ConfigMap', 'team-a', 'flotilla.dev/owner=app.x')).resolves.toEqual(
      [],
    );
    expect(seen.at(-1)?.url).toBe(
      '/api/v1/namespaces/team-a/configmaps?labelSelector=flotilla.dev%2Fowner%3Dapp.x',
    );
  });

  it('sends a bearer token when the kubeconfig has one', async () => {
    const client = createKubernetesClient({
      connect: tunnel,
      kubeconfig: kubeconfig('    token: abc.def'),
    });
    seen.length = 0;
    await client.apply(configMap);
    expect(seen[0]).toMatchObject({ authorization: 'Bearer abc.def' });
    expect(seen[0]?.cn).toBeUndefined();
  });

  it('refuses a server whose certificate its CA did not sign, sending nothing', async () => {
    const impostor = createServer(
      { key: pem('impostor.key'), cert: pem('impostor.crt') },
      (_req, res) => {
        res.end('{}');
      },
    );
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      const other = (impostor.address() as AddressInfo).port;
      const client = createKubernetesClient({
        connect: () => Promise.resolve(connect(other, '127.0.0.1')),
        kubeconfig: kubeconfig('    token: abc.def'),
      });
      await expect(client.apply(configMap)).rejects.toMatchObject({
        code: 'unreachable',
        message: expect.stringMatching(/certificate/),
      });
    } finally {
      await new Promise((resolve) => impostor.close(resolve));
    }
  });

  it('carries the API server’s refusal: reason, status and the fields it names', async () => {
    const client = createKubernetesClient({
      connect: tunnel,
      kubeconfig: kubeconfig('    token: abc.def'),
    });
    const error = await client
      .apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'bad', namespace: 'team-a' },
        spec: {},
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ status: 422, reason: 'Invalid', code: 'invalid' });
    expect(error.causes).toEqual([expect.objectContaining({ field: 'spec.ports[0].port' })]);
  });
});

describe('kubeconfig', () => {
  it('reads the current context’s server, CA and credentials', () => {
    const parsed = parseKubeconfig(kubeconfig('    token: abc.def'));
    expect(parsed.server.href).toBe('https://127.0.0.1:6443/');
    expect(parsed.ca?.toString()).toContain('BEGIN CERTIFICATE');
    expect(parsed.token).toBe('abc.def');
    expect(parsed.skipTlsVerify).toBe(false);
  });

  it('refuses what a stored kubeconfig cannot use, naming the field', () => {
    expect(() => parseKubeconfig(kubeconfig('    client-certificate: /home/me/cert.pem'))).toThrow(
      /kubeconfig: client-certificate: only inline credentials/,
    );
    expect(() => parseKubeconfig('current-context: nowhere\ncontexts: []\n')).toThrow(
      /kubeconfig: contexts: no entry named "nowhere"/,
    );
    expect(() => parseKubeconfig('::: not yaml')).toThrow(/kubeconfig/);
    expect(() => createKubernetesClient({ connect: tunnel, kubeconfig: '' })).toThrow(
      /kubeconfig: required/,
    );
  });
});
