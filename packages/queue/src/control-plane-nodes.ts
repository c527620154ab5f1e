// The control plane's own processes as nodes. Every API and worker process registers under its
// node name (FLOTILLA_NODE_NAME, default the hostname) with its role, URL, tags, version,
// hostname, pid and start time, then heartbeats. It counts as offline three heartbeats after its
// last one (`onlineUntil`), and at once when it stops cleanly. Workers' names are what jobs are
// pinned to (routing.ts).
//
// A name holds one online process per role: an API and a worker may share it (one machine runs
// both, and both default to its hostname), two workers may not. A second one is refused while
// the first is online: both would take the node's jobs, and one heartbeat would vouch for two
// processes. A restart need not wait for the old process to count as offline: on the same host, a
// predecessor that no longer runs (its pid is gone, or is this very pid, as after a container
// restart) and did not beat after this process started gives its name up at once.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ControlPlaneRole, Db } from '@flotilla/db';
import type { Logger } from '@flotilla/log';

/** Heartbeats a node may miss before it counts as offline. */
export const offlineAfterBeats = 3;

export interface NodeIdentity {
  name: string;
  role: ControlPlaneRole;
  /** Where an API answers; null for a worker. */
  url?: string | null;
  tags?: readonly string[];
  version: string;
}

export class NodeNameTakenError extends Error {
  constructor(
    name: string,
    role: ControlPlaneRole,
    holder: { hostname: string; pid: number; secondsAgo: number; onlineForSeconds: number },
  ) {
    super(
      `node name "${name}" is held by another ${role} process online on ${holder.hostname} ` +
        `(pid ${holder.pid}, last heartbeat ${holder.secondsAgo} s ago): give this process ` +
        `another FLOTILLA_NODE_NAME, or start it again once that one is offline ` +
        `(in at most ${holder.onlineForSeconds} s if it has stopped)`,
    );
    this.name = 'NodeNameTakenError';
  }
}

export interface RegisterOptions {
  db: Db;
  log: Logger;
  /** How often the process heartbeats (FLOTILLA_HEARTBEAT_MS). */
  heartbeatMs: number;
  /**
   * Another process took the name: this one missed its heartbeats for so long that it counted
   * as offline (frozen, cut off from Postgres). It must stop taking the node's jobs.
   */
  onLost: (error: NodeNameTakenError) => void;
}

export interface RegisteredNode {
  readonly name: string;
  readonly role: ControlPlaneRole;
  /** Stops heartbeating and marks the process offline at once. */
  stop(): Promise<void>;
}

interface Holder {
  hostname: string;
  pid: number;
  instanceId: string;
  online: boolean;
  beatBeforeUs: boolean;
  secondsAgo: number;
  onlineForSeconds: number;
}

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims the name for this process and starts heartbeating; throws NodeNameTakenError. */
export async function registerNode(
  identity: NodeIdentity,
  { db, log, heartbeatMs, onLost }: RegisterOptions,
): Promise<RegisteredNode> {
  const { name, role } = identity;
  const host = hostname();
  const instanceId = randomUUID();
  const tags = [...(identity.tags ?? [])];
  const onlineMs = heartbeatMs * offlineAfterBeats;

  async function claim(): Promise<void> {
    const uptimeMs = Math.round(process.uptime() * 1000);
    const [holder] = await db.$queryRaw<Holder[]>`
      select hostname, pid, "instanceId", "onlineUntil" > now() as online,
        "lastHeartbeatAt" < now() - ${uptimeMs}::int * interval '1 millisecond' as "beatBeforeUs",
        floor(extract(epoch from now() - "lastHeartbeatAt"))::int as "secondsAgo",
        greatest(0, ceil(extract(epoch from "onlineUntil" - now())))::int as "onlineForSeconds"
      from "ControlPlaneNode" where name = ${name} and role = ${role}::"ControlPlaneRole"`;
    const predecessorGone =
      holder !== undefined &&
      holder.instanceId !== instanceId &&
      holder.hostname === host &&
      holder.beatBeforeUs &&
      (holder.pid === process.pid || !pidRuns(holder.pid));
    const claimed = await db.$queryRaw<{ name: string }[]>`
      insert into "ControlPlaneNode" (name, role, url, tags, version, hostname, pid, "instanceId",
        "startedAt", "lastHeartbeatAt", "heartbeatMs", "onlineUntil", "stoppedAt")
      values (${name}, ${role}::"ControlPlaneRole", ${identity.url ?? null}, ${tags}::text[],
        ${identity.version}, ${host}, ${process.pid}, ${instanceId},
        now() - ${uptimeMs}::int * interval '1 millisecond', now(), ${heartbeatMs},
        now() + ${onlineMs}::int * interval '1 millisecond', null)
      on conflict (name, role) do update set url = excluded.url, tags = excluded.tags,
        version = excluded.version, hostname = excluded.hostname, pid = excluded.pid,
        "instanceId" = excluded."instanceId", "startedAt" = excluded."startedAt",
        "lastHeartbeatAt" = excluded."lastHeartbeatAt", "heartbeatMs" = excluded."heartbeatMs",
        "onlineUntil" = excluded."onlineUntil", "stoppedAt" = null
      where "ControlPlaneNode"."onlineUntil" <= now()
        or "ControlPlaneNode"."instanceId" = ${instanceId}
        or (${predecessorGone} and "ControlPlaneNode"."instanceId" = ${holder?.instanceId ?? ''})
      returning name`;
    if (claimed.length === 0 && holder) throw new NodeNameTakenError(name, role, holder);
    if (claimed.length === 0) throw new Error(`node ${name} (${role}) could not be registered`);
  }

  await claim();
  log.info({ node: name, role, heartbeatMs }, 'control-plane node registered');

  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> | undefined;
  let stopped = false;

  async function beat(): Promise<void> {
    const renewed = await db.$executeRaw`
      update "ControlPlaneNode" set "lastHeartbeatAt" = now(),
        "onlineUntil" = now() + ${onlineMs}::int * interval '1 millisecond', "stoppedAt" = null
      where name = ${name} and role = ${role}::"ControlPlaneRole" and "instanceId" = ${instanceId}`;
    if (renewed > 0) return;
    // Counted offline meanwhile: the name is ours again unless another process holds it now.
    try {
      await claim();
      log.warn({ node: name, role }, 'heartbeats were missed; node name claimed again');
    } catch (error) {
      if (!(error instanceof NodeNameTakenError)) throw error;
      stopped = true;
      onLost(error);
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      beating = beat()
        .catch((error) => log.warn({ err: error, node: name }, 'heartbeat not written'))
        .finally(() => {
          beating = undefined;
          schedule();
        });
    }, heartbeatMs);
    timer.unref();
  }
  schedule();

  return {
    name,
    role,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await beating;
      await db.$executeRaw`
        update "ControlPlaneNode" set "onlineUntil" = now(), "stoppedAt" = now()
        where name = ${name} and role = ${role}::"ControlPlaneRole" and "instanceId" = ${instanceId}`;
      log.info({ node: name, role }, 'control-plane node marked offline');
    },
  };
}
