// What `--wait` and `logs -f` show while a cluster changes. Every step is one plain line
// (`12:00:03  lab-2  docker.ensure  Docker 24.0.7 is installed`); on a terminal a block under
// those lines is redrawn in place with each node's current step, a spinner and its elapsed time,
// the way `docker compose up` shows its containers.
import type { FollowSink, StatusEvent } from './follow.ts';
import { type Colors, type Output, paintStatus, truncate } from './io.ts';
import type { ClusterDetail, ClusterNode, LogLine } from './types.ts';

interface NodeState {
  node: ClusterNode;
  step?: string;
  message?: string;
  failed?: boolean;
  /** When it settled (running or error), to stop its clock. */
  settledAt?: number;
}

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const settled = new Set(['running', 'error', 'down']);

function clock(iso: string): string {
  const at = new Date(iso);
  return [at.getHours(), at.getMinutes(), at.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export interface ProgressOptions {
  out: Output;
  colors: Colors;
  /** Redraw a live block (a terminal) or only print lines. */
  live: boolean;
  cluster: ClusterDetail;
  /** Only this node's lines and changes (`nodes add --wait`, `logs --node`). */
  nodeId?: string;
  now?: () => number;
}

export class ProgressView implements FollowSink {
  private readonly nodes = new Map<string, NodeState>();
  /** The status last printed, per node id ('' for the cluster). */
  private readonly shown = new Map<string, string>();
  private clusterName: string;
  private drawn = 0;
  private frame = 0;
  private ticker?: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly options: ProgressOptions) {
    this.clusterName = options.cluster.name;
    this.now = options.now ?? Date.now;
    this.snapshot(options.cluster, { quiet: true });
    if (options.live) {
      this.ticker = setInterval(() => {
        this.frame = (this.frame + 1) % spinner.length;
        this.redraw();
      }, 120);
      this.ticker.unref();
      this.redraw();
    }
  }

  log(line: LogLine): void {
    if (this.options.nodeId && line.nodeId !== this.options.nodeId) return;
    const state = line.nodeId ? this.nodes.get(line.nodeId) : undefined;
    if (state) {
      state.step = line.step;
      state.message = line.message;
      state.failed = line.level === 'error';
    }
    const { colors } = this.options;
    const text =
      line.level === 'error'
        ? colors.red(line.message)
        : line.level === 'warn'
          ? colors.yellow(line.message)
          : line.message;
    this.print(`${this.prefix(line.createdAt, line.nodeId)}${colors.cyan(line.step)}  ${text}`);
  }

  status(event: StatusEvent): void {
    if (event.kind === 'node') {
      if (this.options.nodeId && event.nodeId !== this.options.nodeId) return;
      const state = this.nodes.get(event.nodeId);
      if (state) this.settle(state, event.to);
      this.change(event.nodeId, event.to, event.reason, event.at);
    } else if (!this.options.nodeId) {
      this.change(null, event.to, event.reason, event.at);
    }
  }

  /**
   * The cluster as it is now. A status change it shows that no event has brought yet is printed
   * too (the event may still be on its way when the wait ends); `quiet` only records.
   */
  snapshot(cluster: ClusterDetail, { quiet = false } = {}): void {
    this.clusterName = cluster.name;
    const now = new Date(this.now()).toISOString();
    for (const node of cluster.nodes) {
      const state = this.nodes.get(node.id);
      if (state) {
        state.node = node;
        this.settle(state, node.status);
      } else {
        const fresh: NodeState = { node };
        if (settled.has(node.status)) fresh.settledAt = this.now();
        this.nodes.set(node.id, fresh);
      }
      if (this.options.nodeId && node.id !== this.options.nodeId) continue;
      if (quiet) this.shown.set(node.id, node.status);
      else this.change(node.id, node.status, node.statusReason, now);
    }
    if (quiet) this.shown.set('', cluster.status);
    else if (!this.options.nodeId) {
      this.change(null, cluster.status, cluster.statusReason, cluster.updatedAt);
    }
    this.redraw();
  }

  /** One line per status change, whether an event or a snapshot brings it first. */
  private change(nodeId: string | null, to: string, reason: string | null, at: string): void {
    const key = nodeId ?? '';
    if (this.shown.get(key) === to) return;
    this.shown.set(key, to);
    const { colors } = this.options;
    const what = nodeId ? '' : `${colors.bold('cluster')} `;
    this.print(
      `${this.prefix(at, nodeId)}${what}→ ${paintStatus(colors, to)}${reason ? `: ${reason}` : ''}`,
    );
  }

  connection(state: 'lost' | 'back', reason: string): void {
    const { colors } = this.options;
    this.print(
      state === 'lost'
        ? colors.yellow(`live stream lost (${reason}); reconnecting…`)
        : colors.dim(`${reason}`),
    );
  }

  /** Stops redrawing; the block stays on screen as it was last drawn. */
  finish(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.redraw();
    this.drawn = 0;
  }

  private settle(state: NodeState, status: string): void {
    state.node = { ...state.node, status: status as ClusterNode['status'] };
    if (settled.has(status)) state.settledAt ??= this.now();
    else state.settledAt = undefined;
  }

  private nameWidth(): number {
    return Math.max(
      this.clusterName.length,
      ...[...this.nodes.values()].map((s) => s.node.name.length),
    );
  }

  private prefix(at: string, nodeId: string | null): string {
    const { colors } = this.options;
    const name = (nodeId && this.nodes.get(nodeId)?.node.name) || (nodeId ?? this.clusterName);
    return `${colors.dim(clock(at))}  ${colors.bold(name.padEnd(this.nameWidth()))}  `;
  }

  /** A permanent line: above the live block, which is drawn again under it. */
  private print(line: string): void {
    const { out, live } = this.options;
    if (!live) {
      out.write(`${line}\n`);
      return;
    }
    this.clear();
    out.write(`${truncate(line, this.width())}\n`);
    this.redraw();
  }

  private width(): number {
    return Math.max(20, (this.options.out.columns || 80) - 1);
  }

  private clear(): void {
    if (this.drawn > 0) {
      // Up to the block's first line, then erase to the end of the screen.
      this.options.out.write(`\u001b[${this.drawn}A\r\u001b[J`);
      this.drawn = 0;
    }
  }

  private blockLines(): string[] {
    const { colors } = this.options;
    const width = this.nameWidth();
    const now = this.now();
    const shown = [...this.nodes.values()]
      .filter((s) => !this.options.nodeId || s.node.id === this.options.nodeId)
      .sort((a, b) => a.node.ordinal - b.node.ordinal);
    return shown.map((state) => {
      const { node } = state;
      const mark =
        node.status === 'running'
          ? colors.green('✔')
          : node.status === 'error' || node.status === 'down'
            ? colors.red('✖')
            : colors.cyan(spinner[this.frame] as string);
      const doing = settled.has(node.status)
        ? paintStatus(colors, node.status) +
          (node.status !== 'running' && node.statusReason ? `  ${node.statusReason}` : '')
        : `${colors.cyan(state.step ?? node.status)}  ${state.message ?? ''}`;
      const since = Date.parse(node.createdAt);
      const time = colors.dim(elapsed((state.settledAt ?? now) - since));
      return `${mark} ${colors.bold(node.name.padEnd(width))}  ${node.role.padEnd(7)}  ${(node.ip ?? '').padEnd(15)}  ${time}  ${doing}`;
    });
  }

  private redraw(): void {
    if (!this.options.live) return;
    this.clear();
    const lines = this.blockLines().map((line) => truncate(line, this.width()));
    if (lines.length === 0) return;
    this.options.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
