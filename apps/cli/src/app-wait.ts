// `apps … --wait`: follow one deployment until the orchestrator's verdict — `active` (done),
// `failed` or `cancelled` (the reason printed) — while printing each of its steps. The steps are
// the `app.*` lines the worker writes on the app's cluster log (`web #3: …`), read like
// `clusters logs -f` reads them (stored lines, then the live stream); the verdict comes from the
// deployment's row, polled.
import type { FlotillaClient } from '@flotilla/client';
import { CliError, exitCodes, failure } from './errors.ts';
import { ClusterFollower } from './follow.ts';
import { type Colors, type Output, paintStatus, truncate } from './io.ts';
import type { App, AppStatus, Deployment, LogLine } from './types.ts';

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function clock(iso: string): string {
  const at = new Date(iso);
  return [at.getHours(), at.getMinutes(), at.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/** Step lines, one per line; on a terminal also a status line under them, redrawn in place. */
export class StepView {
  private state = '';
  private drawn = false;
  private frame = 0;
  private readonly ticker?: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(
    private readonly out: Output,
    private readonly colors: Colors,
    private readonly live: boolean,
    private readonly title: string,
  ) {
    if (live) {
      this.ticker = setInterval(() => {
        this.frame = (this.frame + 1) % spinner.length;
        this.redraw();
      }, 120);
      this.ticker.unref();
    }
  }

  step(at: string, step: string, message: string, level: string): void {
    const { colors } = this;
    const text =
      level === 'error' ? colors.red(message) : level === 'warn' ? colors.yellow(message) : message;
    this.print(`${colors.dim(clock(at))}  ${colors.cyan(step)}  ${text}`);
  }

  status(state: string): void {
    this.state = state;
    this.redraw();
  }

  finish(): void {
    clearInterval(this.ticker);
    this.clear();
  }

  private print(line: string): void {
    if (!this.live) {
      this.out.write(`${line}\n`);
      return;
    }
    this.clear();
    this.out.write(`${truncate(line, this.width())}\n`);
    this.redraw();
  }

  private width(): number {
    return Math.max(20, (this.out.columns || 80) - 1);
  }

  private clear(): void {
    if (!this.drawn) return;
    this.out.write('\r\u001b[K');
    this.drawn = false;
  }

  private redraw(): void {
    if (!this.live) return;
    this.clear();
    const seconds = Math.floor((Date.now() - this.started) / 1000);
    const line = `${this.colors.cyan(spinner[this.frame] as string)} ${this.colors.bold(this.title)}  ${paintStatus(this.colors, this.state || 'queued')}  ${this.colors.dim(`${seconds}s`)}`;
    this.out.write(truncate(line, this.width()));
    this.drawn = true;
  }
}

export interface DeploymentWait {
  api: FlotillaClient;
  url: string;
  app: App;
  deployment: Deployment;
  view: StepView;
  signal: AbortSignal;
  /** What to tell the user if they stop waiting with Ctrl-C. */
  interruptedHint: string;
  pollMs?: number;
}

const settled = new Set(['active', 'superseded', 'failed', 'cancelled']);

/** The deployment once it settled; a failed or cancelled one is thrown as the failure. */
export async function waitForDeployment(options: DeploymentWait): Promise<Deployment> {
  const { api, url, app, view, signal } = options;
  // The worker names the app and the deployment on each of its lines.
  const prefix = `${app.name} #${options.deployment.ordinal}: `;
  let current = options.deployment;
  let gone = false;
  const follower = new ClusterFollower(api, url, app.clusterId, {
    log: (line: LogLine) => {
      if (!line.step.startsWith('app.') || !line.message.startsWith(prefix)) return;
      view.step(line.createdAt, line.step, line.message.slice(prefix.length), line.level);
    },
    gone: () => {
      gone = true;
      follower.stop();
    },
  });
  const interrupt = () => follower.stop();
  signal.addEventListener('abort', interrupt, { once: true });
  const poll = async () => {
    while (!signal.aborted && !gone) {
      const recent = await api.app.deployments.query({ appId: app.id, limit: 20 });
      const seen = recent.find((d) => d.id === current.id);
      if (seen) {
        current = seen;
        view.status(seen.status);
        if (settled.has(seen.status)) return;
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000));
    }
  };
  try {
    view.status(current.status);
    // This deployment's first lines may be written already: the last stored ones are read too.
    await follower.history({ tail: 200 });
    follower.start();
    await Promise.race([poll(), follower.done]);
    follower.stop();
    // Lines written just before the verdict may still be on their way: read them from the table.
    if (settled.has(current.status)) await follower.history().catch(() => {});
  } finally {
    signal.removeEventListener('abort', interrupt);
    follower.stop();
    view.finish();
  }
  if (signal.aborted) throw new CliError(options.interruptedHint, exitCodes.interrupted);
  if (gone) throw failure(`the cluster of ${app.name} was deleted while waiting`);
  if (current.status === 'failed' || current.status === 'cancelled') {
    throw failure(
      `deployment #${current.ordinal} of ${app.name} ${current.status}${current.reason ? `: ${current.reason}` : ''}`,
    );
  }
  return current;
}

/** Polls `read` every `pollMs` until it returns a value, or Ctrl-C or the deadline stops it. */
export async function pollUntil<T>(
  read: () => Promise<T | undefined>,
  {
    signal,
    timeoutMs,
    pollMs = 1_000,
    interruptedHint,
    timedOut,
  }: {
    signal: AbortSignal;
    timeoutMs: number;
    pollMs?: number;
    interruptedHint: string;
    timedOut: () => string;
  },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted) throw new CliError(interruptedHint, exitCodes.interrupted);
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw failure(timedOut());
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}

/** Why tasks are not running, from the orchestrator's own words on them. */
export function taskTrouble(status: AppStatus): string {
  const reasons = status.pods
    .filter((pod) => !pod.ready)
    .map((pod) => `${pod.name}: ${pod.error ?? pod.message ?? pod.state}`);
  return reasons.length > 0 ? ` (${reasons.slice(0, 3).join('; ')})` : '';
}
