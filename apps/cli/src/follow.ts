// Following a cluster: its stored log lines (cluster.logs, paged), then the live stream
// (cluster.events over SSE) from where the history ended, so the two join without a gap or a
// repeat. A dropped stream is opened again from there; each (re)connection takes a fresh look at
// the cluster (cluster.one), so a status change made while away is not missed.
//
// Line ids come from one sequence but concurrent jobs commit out of order: line 41 of one node
// can arrive after line 42 of another. So lines are not dropped for being below the highest id
// seen; the ids seen are remembered, and streams and catch-ups resume a few hundred lines back
// (`floor`), with the repeats dropped by id.
import type { FlotillaClient } from '@flotilla/client';
import { cliErrorOf, exitCodes } from './errors.ts';
import type { ClusterDetail, ClusterEvent, LogLine } from './types.ts';

export type StatusEvent = Exclude<ClusterEvent, { kind: 'log' }>;

export interface FollowSink {
  /** Every line once, oldest first. */
  log(line: LogLine): void;
  /** Status changes of the cluster and its nodes, as they happen. */
  status?(event: StatusEvent): void;
  /** The cluster as it is now: on every (re)connection, and when `refresh()` is asked. */
  snapshot?(cluster: ClusterDetail): void;
  /** The cluster no longer exists (deleted). */
  gone?(): void;
  connection?(state: 'lost' | 'back', reason: string): void;
}

const retryDelaysMs = [500, 1_000, 2_000, 5_000];

export class ClusterFollower {
  private readonly seen = new Set<bigint>();
  /** Every line at or below it counts as seen; resuming asks for the lines after it. */
  private floor = 0n;
  private subscription?: { unsubscribe(): void };
  private stopped = false;
  private lost = false;
  private attempts = 0;
  private generation = 0;
  private timer?: NodeJS.Timeout;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };
  /** Settles when `stop()` is called (resolved) or following cannot go on (rejected). */
  readonly done: Promise<void>;

  constructor(
    private readonly api: FlotillaClient,
    private readonly url: string,
    readonly clusterId: string,
    private readonly sink: FollowSink,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // A rejection nobody awaited yet must not crash the process before its owner looks.
    this.done.catch(() => {});
  }

  /**
   * The stored lines after the last one seen, oldest first: only `nodeId`'s, only the last
   * `tail` of them when given (0: none, just skip to the end).
   */
  async history({ tail, nodeId }: { tail?: number; nodeId?: string } = {}): Promise<void> {
    const kept: LogLine[] = [];
    let cursor = this.floor > 0n ? Number(this.floor) : undefined;
    for (;;) {
      const page = await this.api.cluster.logs.query({
        clusterId: this.clusterId,
        limit: 500,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      for (const line of page.items) {
        if (nodeId && line.nodeId !== nodeId) {
          // Left out, and not for the live stream to bring back either.
          this.remember(BigInt(line.id));
          continue;
        }
        if (tail === undefined) this.emit(line);
        else {
          kept.push(line);
          if (kept.length > tail) this.remember(BigInt((kept.shift() as LogLine).id));
        }
      }
      if (!page.nextCursor) break;
      cursor = Number(page.nextCursor);
    }
    for (const line of kept) this.emit(line);
  }

  /** Opens the live stream (after a first look at the cluster). */
  start(): void {
    void this.connect();
  }

  /** Takes a fresh look at the cluster now (the waiters' safety net between events). */
  async refresh(): Promise<void> {
    try {
      const cluster = await this.api.cluster.one.query({ clusterId: this.clusterId });
      this.sink.snapshot?.(cluster);
    } catch (error) {
      const failed = cliErrorOf(error, this.url);
      if (failed.exitCode === exitCodes.notFound) this.sink.gone?.();
      else if (failed.exitCode !== exitCodes.unavailable) this.fail(failed);
      // Unreachable: the stream's own reconnection reports and retries it.
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.subscription?.unsubscribe();
    this.settle.resolve();
  }

  private fail(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.subscription?.unsubscribe();
    this.settle.reject(error);
  }

  private emit(line: LogLine): void {
    if (this.remember(BigInt(line.id))) this.sink.log(line);
  }

  /** False when the line was seen already. Keeps a window of ids above `floor`. */
  private remember(id: bigint): boolean {
    if (id <= this.floor || this.seen.has(id)) return false;
    this.seen.add(id);
    // The server replays at most 1,000 lines after `afterLogId`: the window stays well below.
    if (this.seen.size > 600) {
      const sorted = [...this.seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const old of sorted.slice(0, 300)) this.seen.delete(old);
      this.floor = sorted[299] as bigint;
    }
    return true;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    // Checked first: a cluster that is gone, or a token revoked meanwhile, ends the following
    // with its reason instead of an endless reconnection.
    try {
      const cluster = await this.api.cluster.one.query({ clusterId: this.clusterId });
      if (this.stopped) return;
      this.sink.snapshot?.(cluster);
    } catch (error) {
      const failed = cliErrorOf(error, this.url);
      if (failed.exitCode === exitCodes.notFound && this.sink.gone) {
        this.sink.gone();
        return;
      }
      if (failed.exitCode !== exitCodes.unavailable) return this.fail(failed);
      return this.reconnectLater(failed.message);
    }
    // Callbacks of a stream already given up (they may still fire while it closes) are ignored.
    const generation = ++this.generation;
    const current =
      <A extends unknown[]>(handler: (...args: A) => void) =>
      (...args: A) => {
        if (generation === this.generation && !this.stopped) handler(...args);
      };
    this.subscription = this.api.cluster.events.subscribe(
      { clusterId: this.clusterId, afterLogId: this.floor.toString() },
      {
        onStarted: current(() => {
          this.attempts = 0;
          // A change between the look taken before subscribing and the server attaching this
          // stream would otherwise go unseen.
          void this.refresh();
          if (this.lost) {
            this.lost = false;
            this.sink.connection?.('back', 'live stream resumed');
          }
        }),
        onData: current((event) => {
          if (event.kind === 'log') {
            const { at, kind: _kind, clusterId: _cluster, ...line } = event;
            this.emit({ ...line, createdAt: at });
          } else this.sink.status?.(event);
        }),
        onConnectionStateChange: current((state) => {
          if (state.state === 'connecting' && state.error) {
            // Reopened by us, from where we are: the link would resend the first input.
            this.reconnectLater(state.error.message);
          }
        }),
        // Reopened after a look at the cluster, which ends the following if the cause is
        // permanent (the cluster gone, the token revoked).
        onError: current((error) => this.reconnectLater(cliErrorOf(error, this.url).message)),
        onStopped: current(() => this.reconnectLater('the server ended the stream')),
      },
    );
  }

  private reconnectLater(reason: string): void {
    if (this.stopped) return;
    this.generation++;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    if (!this.lost) {
      this.lost = true;
      this.sink.connection?.('lost', reason);
    }
    clearTimeout(this.timer);
    const delay = retryDelaysMs[Math.min(this.attempts++, retryDelaysMs.length - 1)] as number;
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}
