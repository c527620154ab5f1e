// registry.test: does the registry accept these credentials? The Docker Registry HTTP API v2
// answers `GET /v2/` with 200 when it does; a 401 names how to authenticate (Basic, or a Bearer
// token from a realm, as Docker Hub and most hosted registries do: the distribution spec's token
// flow). TLS is verified against the public CAs plus the registry's own CA when one is stored —
// what dockerd does with /etc/docker/certs.d/<server>/ca.crt. Every address is checked by the
// network policy and dialled as checked. A failure says which problem it is, never throws.
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { errorMessage } from '@flotilla/errors';
import { type NetworkPolicy, NetworkPolicyError, pinnedLookup } from '@flotilla/network-policy';
import type { z } from 'zod';
import type { registryProblem } from './test.schema.ts';

export interface RegistryCredentials {
  username: string | null;
  password: string | null;
}

export type RegistryProblem = z.infer<typeof registryProblem>;

export type ProbeResult =
  | { ok: true; message: string; problem: null }
  | { ok: false; message: string; problem: RegistryProblem };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function get(
  policy: NetworkPolicy,
  url: string,
  authorization: string | undefined,
  ca: string[] | undefined,
  timeoutMs: number,
): Promise<Answer> {
  const checked = await policy.checkUrl(url, 'server', { schemes: ['https'] });
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        lookup: pinnedLookup(checked),
        // A connection of its own: a pooled one could have been opened to another address, or
        // verified against another CA.
        agent: false,
        ...(ca ? { ca } : {}),
        timeout: timeoutMs,
        headers: { ...(authorization ? { authorization } : {}), 'user-agent': 'flotilla' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 64 * 1024) body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(
        Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'TIMEOUT' }),
      ),
    );
    req.on('error', reject);
    req.end();
  });
}

function basic({ username, password }: RegistryCredentials): string | undefined {
  if (!username) return undefined;
  return `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
}

/** `Bearer realm="https://auth…",service="registry",scope="…"` → its parameters. */
function challenge(header: string | string[] | undefined): Record<string, string> | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !/^bearer\s/i.test(value)) return null;
  const params: Record<string, string> = {};
  for (const match of value.matchAll(/(\w+)="([^"]*)"/g))
    params[(match[1] as string).toLowerCase()] = match[2] as string;
  return params.realm ? params : null;
}

// OpenSSL's verdicts on a chain that ends nowhere it trusts.
const unknownAuthority = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);
const badCertificate = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);
const unreachable = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What went wrong on the way to an answer, in words a user acts on. */
function failure(error: unknown, server: string, hasCa: boolean): ProbeResult {
  if (error instanceof NetworkPolicyError) {
    return {
      ok: false,
      problem: error.code === 'invalid' ? 'refused' : 'unreachable',
      message: error.detail,
    };
  }
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (unknownAuthority.has(code)) {
    return {
      ok: false,
      problem: 'unknownAuthority',
      message: hasCa
        ? `TLS: the certificate of ${server} is not signed by the stored CA (caCert) nor a public CA (${code})`
        : `TLS: the certificate of ${server} is signed by an unknown authority (${code}); add the registry's CA certificate (caCert)`,
    };
  }
  if (badCertificate.has(code)) {
    return {
      ok: false,
      problem: 'certificate',
      message: `TLS: the certificate of ${server} is not valid: ${errorMessage(error)}`,
    };
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) {
    return {
      ok: false,
      problem: 'tls',
      message: `TLS: no TLS handshake with ${server} (${errorMessage(error)}); Flotilla reaches registries over HTTPS only`,
    };
  }
  if (unreachable.has(code)) {
    return {
      ok: false,
      problem: 'unreachable',
      message: `${server} is not reachable: ${errorMessage(error)}`,
    };
  }
  return { ok: false, problem: 'unreachable', message: errorMessage(error) };
}

export async function probeRegistry(
  policy: NetworkPolicy,
  server: string,
  credentials: RegistryCredentials,
  options: { caCert?: string | null; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  // As dockerd does: the registry's own CA on top of the system's, not instead of it (a token
  // realm elsewhere keeps its public certificate).
  const ca = options.caCert ? [...rootCertificates, options.caCert] : undefined;
  const base = `https://${server}/v2/`;
  try {
    let answer = await get(policy, base, basic(credentials), ca, timeoutMs);
    const bearer = answer.status === 401 ? challenge(answer.headers['www-authenticate']) : null;
    if (bearer) {
      const realm = new URL(bearer.realm as string);
      if (bearer.service) realm.searchParams.set('service', bearer.service);
      if (bearer.scope) realm.searchParams.set('scope', bearer.scope);
      const token = await get(policy, realm.toString(), basic(credentials), ca, timeoutMs);
      if (token.status === 401 || token.status === 403) {
        return {
          ok: false,
          problem: 'unauthorized',
          message: credentials.username
            ? `the token service refused the user name or password (HTTP ${token.status})`
            : `the token service wants credentials (HTTP ${token.status}): add a user name and password`,
        };
      }
      if (token.status !== 200) {
        return {
          ok: false,
          problem: 'notRegistry',
          message: `the token service answered HTTP ${token.status}`,
        };
      }
      let value: string | undefined;
      try {
        const parsed = JSON.parse(token.body) as { token?: unknown; access_token?: unknown };
        const found = parsed.token ?? parsed.access_token;
        value = typeof found === 'string' && found ? found : undefined;
      } catch {
        value = undefined;
      }
      if (!value) {
        return {
          ok: false,
          problem: 'notRegistry',
          message: 'the token service answered no token',
        };
      }
      answer = await get(policy, base, `Bearer ${value}`, ca, timeoutMs);
    }
    if (answer.status === 200) {
      return { ok: true, problem: null, message: 'the registry accepts the credentials' };
    }
    if (answer.status === 401) {
      return {
        ok: false,
        problem: 'unauthorized',
        message: credentials.username
          ? 'the registry refused the user name or password (HTTP 401)'
          : 'the registry wants credentials (HTTP 401): add a user name and password',
      };
    }
    return {
      ok: false,
      problem: 'notRegistry',
      message: `the registry answered HTTP ${answer.status} to GET /v2/ (a Docker registry answers 200 or 401)`,
    };
  } catch (error) {
    return failure(error, server, Boolean(options.caCert));
  }
}
