// node.ready for many nodes at once. A joined node is done when a manager reports it Ready and it
// carries Flotilla's node id as a label. Every node job used to ask for itself — a poll loop on
// the manager per joining node, fifty loops for a fifty-node cluster — so one reader per cluster
// (in this worker process) now reads the node list for all of them, labels the ones it finds
// Ready in one command, and wakes their jobs.
import { errorMessage, FlotillaError } from '@flotilla/errors';
import type { Logger } from '@flotilla/log';
import type { SshSession } from '@flotilla/ssh';
import type { OrchestratorDriver, OrchestratorNode } from './driver.ts';

export interface ReadyRequest {
  clusterId: string;
  driver: OrchestratorDriver;
  /** A session on a manager of the cluster, open while this request waits. */
  manager: SshSession;
  /** The node's id in the orchestrator. */
  memberId: string;
  /** Flotilla's node id, the label the node gets. */
  flotillaNodeId: string;
  timeoutMs: number;
}

export interface ReadinessBoard {
  /** Resolves once a manager reports the node Ready and labelled; rejects at its deadline. */
  wait(request: ReadyRequest): Promise<OrchestratorNode>;
  /** Readers running now: one per cluster with nodes waiting. */
  readers(): number;
}

/**
 * One cluster's reader. A node that just joined is read at once, not a pause later: a reader
 * pausing is woken, and one reading goes on without its pause when a node started waiting
 * meanwhile.
 */
interface Reader {
  waiters: Map<string, Waiter>;
  /** A node started waiting since the current read began. */
  newcomer: boolean;
  /** Ends the reader's pause, while it pauses. */
  wake?: () => void;
}

interface Waiter {
  request: ReadyRequest;
  deadline: number;
  /** The node as last listed, for the timeout's message. */
  seen: OrchestratorNode | undefined;
  resolve(node: OrchestratorNode): void;
  reject(error: unknown): void;
}

/** The longest pause between reads while they keep failing. */
const maxIntervalMs = 2_000;

export function createReadinessBoard({
  intervalMs = 250,
  gatherMs = 100,
  log,
}: {
  /** Pause between two reads of one cluster's node list. */
  intervalMs?: number;
  /** How long a new reader waits for more nodes before its first read. */
  gatherMs?: number;
  log?: Logger;
} = {}): ReadinessBoard {
  const clusters = new Map<string, Reader>();

  async function read(clusterId: string, reader: Reader): Promise<void> {
    const { waiters } = reader;
    let failures = 0;
    let lastError: unknown;
    // Nodes that start waiting together are read together from the first read on: nodes paced
    // through one manager finish their joins within tens of milliseconds of each other
    // (measured: four within 20–90 ms), and each read that finds new nodes labels them, a Raft
    // write of its own (~150–300 ms), so one read for all of them beats one right away.
    await new Promise((resolve) => setTimeout(resolve, gatherMs));
    while (waiters.size > 0) {
      const waiting = [...waiters.values()];
      reader.newcomer = false;
      // Sessions of nodes still waiting stay open until their wait ends, which only this loop
      // decides: the newest one is safe to read through. After a failed read, another one (a
      // node may have joined through another manager).
      const { driver, manager } = (
        waiting[(waiting.length - 1 + failures) % waiting.length] as Waiter
      ).request;
      try {
        const { nodes, ready } = await driver.readyNodes(
          manager,
          waiting.map((w) => ({
            memberId: w.request.memberId,
            flotillaNodeId: w.request.flotillaNodeId,
          })),
        );
        failures = 0;
        lastError = undefined;
        for (const node of ready) {
          waiters.get(node.id)?.resolve(node);
          waiters.delete(node.id);
        }
        for (const waiter of waiters.values()) {
          waiter.seen = nodes.find((n) => n.id === waiter.request.memberId);
        }
      } catch (error) {
        // A manager busy electing a leader or taking in a new one answers errors for a while,
        // as a connection may drop: the nodes keep waiting until their deadline, as they did
        // when each polled by itself, and a failure then says what the reads last ran into.
        failures++;
        lastError = error;
        log?.debug({ clusterId, err: error, failures }, 'reading the node list failed');
      }
      const now = Date.now();
      for (const [id, waiter] of waiters) {
        if (now < waiter.deadline) continue;
        waiter.reject(timedOut(waiter, lastError));
        waiters.delete(id);
      }
      const pause = Math.min(maxIntervalMs, intervalMs * 2 ** failures);
      // Not while reads fail: a manager that errors is given its pause.
      if (waiters.size > 0 && !(reader.newcomer && failures === 0)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, pause);
          function done() {
            clearTimeout(timer);
            reader.wake = undefined;
            resolve();
          }
          if (failures === 0) reader.wake = done;
        });
      }
    }
    // Checked and removed in the same turn of the event loop: a wait registered later starts a
    // new reader.
    clusters.delete(clusterId);
  }

  return {
    wait(request) {
      return new Promise<OrchestratorNode>((resolve, reject) => {
        let reader = clusters.get(request.clusterId);
        const start = !reader;
        if (!reader) {
          reader = { waiters: new Map(), newcomer: false };
          clusters.set(request.clusterId, reader);
        }
        const { waiters } = reader;
        // The same node asked twice (a retried job meeting its earlier attempt): both get the
        // answer.
        const earlier = waiters.get(request.memberId);
        waiters.set(request.memberId, {
          request,
          deadline: Date.now() + request.timeoutMs,
          seen: undefined,
          resolve: (node) => {
            earlier?.resolve(node);
            resolve(node);
          },
          reject: (error) => {
            earlier?.reject(error);
            reject(error);
          },
        });
        if (!start) {
          reader.newcomer = true;
          reader.wake?.();
        }
        if (start) {
          const mine = reader;
          void read(request.clusterId, mine).catch((error) => {
            // Not expected (read catches what the driver throws); the waiters must not hang.
            for (const waiter of mine.waiters.values()) waiter.reject(error);
            clusters.delete(request.clusterId);
          });
        }
      });
    },
    readers: () => clusters.size,
  };
}

function timedOut({ request, seen }: Waiter, lastError: unknown): FlotillaError {
  const why = lastError ? `; reading the node list failed: ${errorMessage(lastError)}` : '';
  return new FlotillaError(
    'commandTimedOut',
    seen
      ? `node ${request.memberId} was still not Ready after ${request.timeoutMs} ms${why}`
      : `the managers did not list node ${request.memberId} within ${request.timeoutMs} ms${why}`,
    lastError ? { cause: lastError } : {},
  );
}
