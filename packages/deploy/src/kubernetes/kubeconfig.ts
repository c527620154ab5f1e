// The parts of a kubeconfig the client needs: the API server's address (for the TLS name check;
// the connection itself goes through an SSH tunnel), its CA, and the user's credentials. Only
// inline data is accepted: a stored kubeconfig that points at files or runs a plugin (`exec`)
// would depend on the machine reading it.
import { FlotillaError } from '@flotilla/errors';
import { parse } from 'yaml';

export interface KubeCredentials {
  /** `clusters[].cluster.server` of the current context. */
  server: URL;
  ca?: Buffer;
  /** Client certificate and key (k3s's admin user). */
  cert?: Buffer;
  key?: Buffer;
  /** Bearer token (service accounts, most managed clusters). */
  token?: string;
  /** `insecure-skip-tls-verify`: honoured, but only when the kubeconfig says so. */
  skipTlsVerify: boolean;
}

interface Named<T> {
  name?: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

const invalid = (field: string, message: string) =>
  new FlotillaError('invalid', `kubeconfig: ${field}: ${message}`);

function record(value: unknown, field: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(field, 'expected a mapping');
  }
  return value as Record<string, unknown>;
}

function pick<T>(
  list: unknown,
  name: unknown,
  field: string,
  part: 'cluster' | 'user' | 'context',
) {
  if (!Array.isArray(list)) throw invalid(field, 'expected a list');
  const entry = (list as Named<T>[]).find((item) => item?.name === name);
  if (!entry?.[part]) throw invalid(field, `no entry named ${JSON.stringify(name)}`);
  return record(entry[part], `${field}[${String(name)}].${part}`);
}

const base64 = (value: unknown, field: string): Buffer | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'expected base64 text');
  return Buffer.from(value, 'base64');
};

export function parseKubeconfig(text: string): KubeCredentials {
  let doc: Record<string, unknown>;
  try {
    doc = record(parse(text), '(document)');
  } catch (error) {
    if (error instanceof FlotillaError) throw error;
    throw invalid('(document)', `not YAML: ${(error as Error).message}`);
  }
  const contextName = doc['current-context'];
  if (typeof contextName !== 'string' || !contextName) {
    throw invalid('current-context', 'missing');
  }
  const context = pick(doc.contexts, contextName, 'contexts', 'context');
  const cluster = pick(doc.clusters, context.cluster, 'clusters', 'cluster');
  const user = context.user === undefined ? {} : pick(doc.users, context.user, 'users', 'user');

  for (const field of [
    'certificate-authority',
    'client-certificate',
    'client-key',
    'tokenFile',
    'exec',
    'auth-provider',
  ]) {
    if (cluster[field] !== undefined || user[field] !== undefined) {
      throw invalid(
        field,
        'only inline credentials (…-data, token) can be used from a stored kubeconfig',
      );
    }
  }
  let server: URL;
  try {
    server = new URL(String(cluster.server));
  } catch {
    throw invalid('clusters[].cluster.server', `not a URL: ${JSON.stringify(cluster.server)}`);
  }
  const ca = base64(cluster['certificate-authority-data'], 'certificate-authority-data');
  const cert = base64(user['client-certificate-data'], 'client-certificate-data');
  const key = base64(user['client-key-data'], 'client-key-data');
  if (Boolean(cert) !== Boolean(key)) {
    throw invalid(
      'client-key-data',
      'a client certificate needs its key, and the key its certificate',
    );
  }
  const token = user.token;
  if (token !== undefined && typeof token !== 'string') throw invalid('token', 'expected text');
  return {
    server,
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(token ? { token } : {}),
    skipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
  };
}
