// The Docker Engine API of one server, spoken over its SSH session: every request opens a stream
// to /var/run/docker.sock through the already authenticated, host-key-pinned connection, so no
// TCP port of the engine is ever exposed and no second trust path exists. docker-modem (the HTTP
// layer of dockerode) builds the requests; its agent hands it that stream instead of a socket.
import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SshSession } from '@flotilla/ssh';
import Modem from 'docker-modem';
import { DockerApiError } from './errors.ts';
import { type ExecOptions, type ExecProcess, wireExecConnection } from './exec.ts';
import { type LogLine, parseLogFrames, streamLogLines } from './logs.ts';
import type {
  ContainerInspect,
  ContainerStats,
  NamedObject,
  NetworkCreate,
  RegistryAuth,
  ServiceSpec,
  SwarmNode,
  SwarmService,
  SwarmTask,
  Volume,
} from './types.ts';

/** dockerd 20.10 speaks up to 1.41; pinning it keeps answers the same on newer engines. */
export const apiVersion = '1.41';

export interface DockerEngineOptions {
  /** Default /var/run/docker.sock. */
  socketPath?: string;
  /** Limit for one request that is not a stream (default 30 s). */
  timeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  auth?: RegistryAuth;
}

export interface LogOptions {
  /** Lines from the end of each task's log (default all). */
  tail?: number;
  /** Unix seconds: only lines after this time. */
  since?: number;
  signal?: AbortSignal;
}

export type Filters = Record<string, string[]>;

export interface DockerEngine {
  /** The server this engine runs on (the SSH session's host). */
  readonly host: string;
  ping(options?: CallOptions): Promise<void>;
  info(options?: CallOptions): Promise<{ Swarm?: { NodeID?: string; LocalNodeState?: string } }>;
  /** The manifest digest a registry serves for an image reference (`GET /distribution/…/json`). */
  distribution(image: string, options?: CallOptions): Promise<{ digest: string }>;
  /** By id or name; null when there is none. */
  service(idOrName: string, options?: CallOptions): Promise<SwarmService | null>;
  services(filters?: Filters, options?: CallOptions): Promise<SwarmService[]>;
  createService(
    spec: ServiceSpec,
    options?: CallOptions,
  ): Promise<{ id: string; warnings: string[] }>;
  /** Replaces the spec of the service at `version` (409 if someone changed it since). */
  updateService(
    id: string,
    version: number,
    spec: ServiceSpec,
    options?: CallOptions,
  ): Promise<{ warnings: string[] }>;
  /** False when there was no such service. */
  removeService(id: string, options?: CallOptions): Promise<boolean>;
  tasks(filters?: Filters, options?: CallOptions): Promise<SwarmTask[]>;
  nodes(filters?: Filters, options?: CallOptions): Promise<SwarmNode[]>;
  /** The last lines of a service's logs across every node (stdout and stderr, timestamped). */
  serviceLogs(id: string, options?: LogOptions): Promise<LogLine[]>;
  /** New lines as they are written, until the signal aborts or the service goes away. */
  followServiceLogs(id: string, options?: LogOptions): AsyncIterable<LogLine>;
  /** One stats sample of a container on this engine (CPU over about a second). */
  containerStats(id: string, options?: CallOptions): Promise<ContainerStats>;
  /** A container of this engine; null when there is none. */
  container(id: string, options?: CallOptions): Promise<ContainerInspect | null>;
  /**
   * Runs a process inside a running container of this engine (`docker exec`), its output
   * streamed back. A container that is not running is a `conflict` (409).
   */
  exec(containerId: string, options: ExecOptions): Promise<ExecProcess>;
  networks(filters?: Filters, options?: CallOptions): Promise<NamedObject[]>;
  configs(filters?: Filters, options?: CallOptions): Promise<NamedObject[]>;
  secrets(filters?: Filters, options?: CallOptions): Promise<NamedObject[]>;
  /** An attachable overlay (or other) network; the id. A name already taken is a `conflict`. */
  createNetwork(spec: NetworkCreate, options?: CallOptions): Promise<{ id: string }>;
  /** A Swarm secret holding `data`; the id. A name already taken is a `conflict`. */
  createSecret(
    spec: { Name: string; Labels?: Record<string, string>; data: string | Buffer },
    options?: CallOptions,
  ): Promise<{ id: string }>;
  /** Volumes of this engine (they are per node, also in a swarm). */
  volumes(filters?: Filters, options?: CallOptions): Promise<Volume[]>;
  /** A volume still used by a container is a `conflict` (409). */
  remove(
    kind: 'networks' | 'configs' | 'secrets' | 'volumes',
    id: string,
    options?: CallOptions,
  ): Promise<boolean>;
}

/** The SSH channel stands in for a net.Socket; http only tunes sockets through these. */
function socketLike(stream: Duplex): Duplex {
  const socket = stream as Duplex & Record<string, unknown>;
  for (const method of ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref']) {
    if (typeof socket[method] !== 'function') socket[method] = () => socket;
  }
  return socket;
}

class SshSocketAgent extends Agent {
  constructor(private readonly session: SshSession) {
    // One channel per request: channels are cheap on an open connection, and a finished
    // request closes its own, so nothing is left half-read on the socket.
    super({ keepAlive: false });
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const path = options.socketPath ?? options.path ?? '/var/run/docker.sock';
    this.session.openUnixSocket(path).then(
      (stream) => callback?.(null, socketLike(stream)),
      (error: Error) => callback?.(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

const ok = { 200: true, 201: true, 204: true, 304: true } as const;

export function encodeRegistryAuth(auth: RegistryAuth): string {
  // URL-safe base64 *with* padding (Go's base64.URLEncoding): the daemon silently ignores a
  // header it cannot decode, and Node's 'base64url' drops the padding.
  return Buffer.from(JSON.stringify(auth))
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

export function connectDocker(
  session: SshSession,
  options: DockerEngineOptions = {},
): DockerEngine {
  const socketPath = options.socketPath ?? '/var/run/docker.sock';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const modem = new Modem({
    socketPath,
    version: `v${apiVersion}`,
    agent: new SshSocketAgent(session),
  });

  const what = (method: string, path: string) => `${method} ${path} on ${session.host}`;

  const call = <T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    init: {
      query?: Record<string, unknown>;
      body?: unknown;
      signal?: AbortSignal;
      auth?: RegistryAuth;
      stream?: boolean;
    } = {},
  ): Promise<T> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.stream
      ? init.signal
      : init.signal
        ? AbortSignal.any([init.signal, timeout])
        : timeout;
    const hasQuery = init.query && Object.keys(init.query).length > 0;
    return new Promise<T>((resolve, reject) => {
      modem.dial(
        {
          path: hasQuery ? `${path}?` : path,
          method,
          options:
            init.body === undefined
              ? (init.query ?? {})
              : { _query: init.query ?? {}, _body: init.body },
          ...(init.auth ? { authconfig: { base64: encodeRegistryAuth(init.auth) } } : {}),
          ...(signal ? { abortSignal: signal } : {}),
          isStream: init.stream === true,
          statusCodes: ok,
        },
        (error: unknown, data: unknown) => {
          if (error) reject(DockerApiError.from(what(method, path), error, timeout.aborted));
          else resolve(data as T);
        },
      );
    });
  };

  const filtersQuery = (filters?: Filters) =>
    filters && Object.keys(filters).length > 0 ? { filters: JSON.stringify(filters) } : {};

  const notFoundIsNull = async <T>(promise: Promise<T>): Promise<T | null> => {
    try {
      return await promise;
    } catch (error) {
      if (error instanceof DockerApiError && error.statusCode === 404) return null;
      throw error;
    }
  };
  const removed = async (promise: Promise<unknown>): Promise<boolean> =>
    (await notFoundIsNull(promise.then(() => true))) ?? false;

  const logsQuery = (o: LogOptions, follow: boolean) => ({
    stdout: 1,
    stderr: 1,
    timestamps: 1,
    details: 1,
    follow: follow ? 1 : 0,
    ...(o.tail !== undefined ? { tail: String(o.tail) } : {}),
    ...(o.since !== undefined ? { since: String(o.since) } : {}),
  });

  return {
    host: session.host,
    async ping(o = {}) {
      await call('GET', '/_ping', o);
    },
    info: (o = {}) => call('GET', '/info', o),
    async distribution(image, o = {}) {
      // The daemon routes /distribution/{name:.*}/json, so the reference goes in unencoded.
      const answer = await call<{ Descriptor?: { digest?: string } }>(
        'GET',
        `/distribution/${image}/json`,
        o,
      );
      const digest = answer.Descriptor?.digest;
      if (!digest) throw new DockerApiError(what('GET', '/distribution'), 'no digest', 500);
      return { digest };
    },
    service: (idOrName, o = {}) =>
      notFoundIsNull(call<SwarmService>('GET', `/services/${encodeURIComponent(idOrName)}`, o)),
    services: (filters, o = {}) => call('GET', '/services', { ...o, query: filtersQuery(filters) }),
    async createService(spec, o = {}) {
      const answer = await call<{ ID: string; Warnings?: string[] | null }>(
        'POST',
        '/services/create',
        { ...o, body: spec },
      );
      return { id: answer.ID, warnings: answer.Warnings ?? [] };
    },
    async updateService(id, version, spec, o = {}) {
      const answer = await call<{ Warnings?: string[] | null }>(
        'POST',
        `/services/${encodeURIComponent(id)}/update`,
        { ...o, query: { version: String(version) }, body: spec },
      );
      return { warnings: answer?.Warnings ?? [] };
    },
    removeService: (id, o = {}) =>
      removed(call('DELETE', `/services/${encodeURIComponent(id)}`, o)),
    tasks: (filters, o = {}) => call('GET', '/tasks', { ...o, query: filtersQuery(filters) }),
    nodes: (filters, o = {}) => call('GET', '/nodes', { ...o, query: filtersQuery(filters) }),
    async serviceLogs(id, o = {}) {
      const raw = await call<Buffer | string>('GET', `/services/${encodeURIComponent(id)}/logs`, {
        query: logsQuery(o, false),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      return parseLogFrames(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    },
    followServiceLogs(id, o = {}) {
      const open = () =>
        call<NodeJS.ReadableStream>('GET', `/services/${encodeURIComponent(id)}/logs`, {
          query: logsQuery(o, true),
          stream: true,
          ...(o.signal ? { signal: o.signal } : {}),
        });
      return streamLogLines(open, o.signal);
    },
    containerStats: (id, o = {}) =>
      call('GET', `/containers/${encodeURIComponent(id)}/stats`, {
        ...o,
        query: { stream: 'false' },
      }),
    container: (id, o = {}) =>
      notFoundIsNull(
        call<ContainerInspect>('GET', `/containers/${encodeURIComponent(id)}/json`, o),
      ),
    async exec(containerId, o) {
      const created = await call<{ Id: string }>(
        'POST',
        `/containers/${encodeURIComponent(containerId)}/exec`,
        {
          body: {
            AttachStdin: o.stdin === true,
            AttachStdout: true,
            AttachStderr: true,
            Tty: false,
            Cmd: o.cmd,
            ...(o.env ? { Env: o.env } : {}),
            ...(o.user ? { User: o.user } : {}),
            ...(o.workingDir ? { WorkingDir: o.workingDir } : {}),
          },
          ...(o.signal ? { signal: o.signal } : {}),
        },
      );
      const id = created.Id;
      const path = `/exec/${id}/start`;
      // The connection is upgraded to a raw stream (as `docker exec` asks): stdin can then be
      // half-closed while the output keeps coming. No request timeout: a dump may take hours.
      const socket = await new Promise<Duplex>((resolve, reject) => {
        modem.dial(
          {
            path,
            method: 'POST',
            options: { Detach: false, Tty: false },
            hijack: true,
            ...(o.signal ? { abortSignal: o.signal } : {}),
            statusCodes: { 101: true, 200: true },
          },
          (error: unknown, data: unknown) => {
            if (error) reject(DockerApiError.from(what('POST', path), error, false));
            else if (data && typeof (data as Duplex).pipe === 'function') resolve(data as Duplex);
            else reject(new DockerApiError(what('POST', path), 'the daemon did not upgrade', 500));
          },
        );
      });
      const wired = wireExecConnection(socket, o.stdin === true, o.signal);
      const exit = wired.ended.then(async () => {
        // The output ends as the process exits; the daemon may record the code a moment later.
        for (let attempt = 0; ; attempt++) {
          const state = await call<{ Running: boolean; ExitCode: number | null }>(
            'GET',
            `/exec/${id}/json`,
          );
          if (!state.Running && state.ExitCode !== null) return state.ExitCode;
          if (attempt >= 50) {
            throw new DockerApiError(what('GET', `/exec/${id}/json`), 'no exit code', 500);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      });
      // Callers that only read the streams still learn of a failure through them.
      exit.catch(() => {});
      return { id, stdout: wired.stdout, stderr: wired.stderr, stdin: wired.stdin, exit };
    },
    // `GET /networks` spells the id `Id`, Swarm's other objects `ID`: answered in one shape.
    networks: async (filters, o = {}) =>
      (
        await call<(Omit<NamedObject, 'ID'> & { Id: string })[]>('GET', '/networks', {
          ...o,
          query: filtersQuery(filters),
        })
      ).map(({ Id, ...network }) => ({ ...network, ID: Id })),
    configs: (filters, o = {}) => call('GET', '/configs', { ...o, query: filtersQuery(filters) }),
    secrets: (filters, o = {}) => call('GET', '/secrets', { ...o, query: filtersQuery(filters) }),
    async createNetwork(spec, o = {}) {
      const answer = await call<{ Id: string }>('POST', '/networks/create', {
        ...o,
        // Without it two creations of one name make two networks of that name.
        body: { CheckDuplicate: true, ...spec },
      });
      return { id: answer.Id };
    },
    async createSecret(spec, o = {}) {
      const { data, ...rest } = spec;
      const answer = await call<{ ID: string }>('POST', '/secrets/create', {
        ...o,
        body: { ...rest, Data: Buffer.from(data).toString('base64') },
      });
      return { id: answer.ID };
    },
    async volumes(filters, o = {}) {
      const answer = await call<{ Volumes?: Volume[] | null }>('GET', '/volumes', {
        ...o,
        query: filtersQuery(filters),
      });
      return answer.Volumes ?? [];
    },
    remove: (kind, id, o = {}) => removed(call('DELETE', `/${kind}/${encodeURIComponent(id)}`, o)),
  };
}
