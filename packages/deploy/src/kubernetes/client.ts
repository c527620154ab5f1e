// A small Kubernetes API client over a byte stream that the caller opens (an SSH tunnel to the
// first manager's 127.0.0.1:6443), so the API server is never exposed to the network. TLS is
// spoken over that stream with the kubeconfig's CA and client credentials, as kubectl would.
// Only what Flotilla needs: server-side apply, get, list by label, delete.
import { Agent, type ClientRequestArgs, request } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { type ErrorCode, FlotillaError } from '@flotilla/errors';
import { type KubeCredentials, parseKubeconfig } from './kubeconfig.ts';
import {
  apiVersionOf,
  isKind,
  type Kind,
  type KubeObject,
  resourcePath,
  resourceTypes,
} from './resources.ts';

export interface KubernetesClientOptions {
  /** Opens a fresh byte stream to the API server's port, e.g. `session.openTcpTunnel('127.0.0.1', 6443)`. */
  connect: () => Promise<Duplex>;
  /** The cluster's kubeconfig: its CA and credentials are used; its server address only names the TLS peer. */
  kubeconfig: string;
  /** Who owns the applied fields (`fieldManager`); default `flotilla`. */
  fieldManager?: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface KubernetesClient {
  /** Server-side apply with `force`: the object as given becomes what this manager owns. */
  apply<T extends KubeObject>(object: T, options?: CallOptions): Promise<T>;
  get(
    kind: Kind,
    namespace: string | undefined,
    name: string,
    options?: CallOptions,
  ): Promise<KubeObject | null>;
  /** Objects of a kind in a namespace, filtered by a label selector (`a=b,c in (d,e)`). */
  list(
    kind: Kind,
    namespace: string | undefined,
    labelSelector?: string,
    options?: CallOptions,
  ): Promise<KubeObject[]>;
  /** Deletes with background propagation (owned objects follow); false when it was not there. */
  delete(
    kind: Kind,
    namespace: string | undefined,
    name: string,
    options?: CallOptions,
  ): Promise<boolean>;
}

interface StatusCause {
  field?: string;
  message?: string;
  reason?: string;
}

/** The API server refused or failed a request; `reason` and `causes` are its own. */
export class KubernetesApiError extends FlotillaError {
  override name = 'KubernetesApiError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly causes: StatusCause[] = [],
  ) {
    super(codeForStatus(status), message);
  }
}

function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'notFound';
  if (status === 409) return 'conflict';
  if (status === 429 || status >= 500) return 'unavailable';
  return 'invalid';
}

/** ssh2's channel stands in for a net.Socket; http only tunes sockets through these methods. */
function socketLike(stream: Duplex): Duplex {
  const socket = stream as Duplex & Record<string, unknown>;
  for (const method of ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref']) {
    if (typeof socket[method] !== 'function') socket[method] = () => socket;
  }
  return socket;
}

class TunnelAgent extends Agent {
  constructor(private readonly open: () => Promise<Duplex>) {
    // One tunnel per request: channels are cheap on an open SSH connection, and a finished
    // request closes its own.
    super({ keepAlive: false });
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    this.open().then(
      (stream) => callback?.(null, stream),
      (error: Error) => callback?.(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

function secureStream(credentials: KubeCredentials, raw: Duplex): Promise<Duplex> {
  const host = credentials.server.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      socket: raw,
      host,
      // SNI carries names only; an address is still checked against the certificate's IP SANs.
      ...(isIP(host) ? {} : { servername: host }),
      ...(credentials.ca ? { ca: credentials.ca } : {}),
      ...(credentials.cert && credentials.key
        ? { cert: credentials.cert, key: credentials.key }
        : {}),
      rejectUnauthorized: !credentials.skipTlsVerify,
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

export function createKubernetesClient(options: KubernetesClientOptions): KubernetesClient {
  if (!options.kubeconfig) {
    throw new FlotillaError('invalid', 'kubeconfig: required to speak TLS to the API server');
  }
  const credentials = parseKubeconfig(options.kubeconfig);
  const fieldManager = options.fieldManager ?? 'flotilla';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const agent = new TunnelAgent(async () =>
    secureStream(credentials, socketLike(await options.connect())),
  );
  const authorization = credentials.token ? `Bearer ${credentials.token}` : undefined;

  const call = (
    method: 'GET' | 'PATCH' | 'DELETE',
    path: string,
    body: unknown,
    contentType: string | undefined,
    callOptions: CallOptions = {},
  ): Promise<{ status: number; body: unknown }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          agent,
          host: 'kubernetes',
          method,
          path,
          timeout: timeoutMs,
          headers: {
            accept: 'application/json',
            ...(authorization ? { authorization } : {}),
            ...(payload !== undefined
              ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
          ...(callOptions.signal ? { signal: callOptions.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {}
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) =>
        reject(
          error.name === 'AbortError'
            ? error
            : new FlotillaError(
                'unreachable',
                `Kubernetes API ${method} ${path}: ${error.message}`,
                {
                  cause: error,
                },
              ),
        ),
      );
      req.end(payload);
    });

  const fail = (method: string, path: string, answer: { status: number; body: unknown }) => {
    const status = (answer.body ?? {}) as {
      reason?: string;
      message?: string;
      details?: { causes?: StatusCause[] };
    };
    return new KubernetesApiError(
      answer.status,
      status.reason ?? 'Unknown',
      `Kubernetes API ${method} ${path}: ${answer.status} ${status.message ?? String(answer.body ?? '')}`.trim(),
      status.details?.causes ?? [],
    );
  };

  const typeOf = (kind: string) => {
    if (!isKind(kind))
      throw new FlotillaError('invalid', `kind: ${kind} is not one Flotilla applies`);
    return resourceTypes[kind];
  };

  return {
    async apply(object, callOptions) {
      const type = typeOf(object.kind);
      if (object.apiVersion !== apiVersionOf(type)) {
        throw new FlotillaError(
          'invalid',
          `apiVersion: ${object.kind} is ${apiVersionOf(type)}, not ${object.apiVersion}`,
        );
      }
      const path = `${resourcePath(type, object.metadata.namespace, object.metadata.name)}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`;
      // JSON is YAML: the apply-patch content type takes either.
      const answer = await call('PATCH', path, object, 'application/apply-patch+yaml', callOptions);
      if (answer.status !== 200 && answer.status !== 201) throw fail('PATCH', path, answer);
      return answer.body as typeof object;
    },

    async get(kind, namespace, name, callOptions) {
      const path = resourcePath(typeOf(kind), namespace, name);
      const answer = await call('GET', path, undefined, undefined, callOptions);
      if (answer.status === 404) return null;
      if (answer.status !== 200) throw fail('GET', path, answer);
      return answer.body as KubeObject;
    },

    async list(kind, namespace, labelSelector, callOptions) {
      const type = typeOf(kind);
      const path = `${resourcePath(type, namespace)}${labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : ''}`;
      const answer = await call('GET', path, undefined, undefined, callOptions);
      if (answer.status !== 200) throw fail('GET', path, answer);
      // Items of a typed list carry no apiVersion/kind of their own.
      return ((answer.body as { items?: KubeObject[] }).items ?? []).map((item) => ({
        ...item,
        apiVersion: apiVersionOf(type),
        kind: type.kind,
      }));
    },

    async delete(kind, namespace, name, callOptions) {
      const path = `${resourcePath(typeOf(kind), namespace, name)}?propagationPolicy=Background`;
      const answer = await call('DELETE', path, undefined, undefined, callOptions);
      if (answer.status === 404) return false;
      if (answer.status !== 200 && answer.status !== 202) throw fail('DELETE', path, answer);
      return true;
    },
  };
}
