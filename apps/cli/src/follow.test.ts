// The follower's bookkeeping between the stored lines and the live stream, against a stand-in of
// the three procedures it calls (the end-to-end test in test/cli.test.ts uses the real server).
import type { FlotillaClient } from '@flotilla/client';
import { describe, expect, it } from 'vitest';
import { ClusterFollower } from './follow.ts';
import type { ClusterDetail, LogLine } from './types.ts';

const at = '2026-01-01T10:00:00.000Z';
const line = (id: number, nodeId: string | null = 'node_1'): LogLine => ({
  id: String(id),
  nodeId,
  step: 'ssh.wait',
  level: 'info',
  message: `line ${id}`,
  workerNode: null,
  createdAt: at,
});

interface Subscription {
  input: { clusterId: string; afterLogId?: string };
  handlers: {
    onStarted?: () => void;
    onData?: (event: unknown) => void;
    onConnectionStateChange?: (state: { state: string; error: Error | null }) => void;
  };
  closed: boolean;
}

function standIn(stored: LogLine[]) {
  const subscriptions: Subscription[] = [];
  const api = {
    cluster: {
      logs: {
        query: async ({ cursor, limit }: { cursor?: number; limit: number }) => {
          const after = stored.filter((l) => Number(l.id) > (cursor ?? 0));
          const items = after.slice(0, limit);
          return {
            items,
            nextCursor: after.length > limit ? (items.at(-1)?.id ?? null) : null,
          };
        },
      },
      one: { query: async () => ({ id: 'cls_1', nodes: [] }) as unknown as ClusterDetail },
      events: {
        subscribe: (input: Subscription['input'], handlers: Subscription['handlers']) => {
          const subscription = { input, handlers, closed: false };
          subscriptions.push(subscription);
          return {
            unsubscribe: () => {
              subscription.closed = true;
            },
          };
        },
      },
    },
  };
  return { api: api as unknown as FlotillaClient, subscriptions };
}

const live = (l: LogLine) => {
  const { createdAt, ...rest } = l;
  return { kind: 'log', clusterId: 'cls_1', ...rest, at: createdAt };
};

async function until(check: () => boolean) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('following a cluster', () => {
  it('pages the stored lines, keeps the last n with --tail, or one node only', async () => {
    const stored = Array.from({ length: 1_203 }, (_, i) =>
      line(i + 1, i % 2 ? 'node_1' : 'node_2'),
    );
    const all: string[] = [];
    await new ClusterFollower(standIn(stored).api, 'u', 'cls_1', {
      log: (l) => all.push(l.id),
    }).history();
    expect(all).toHaveLength(1_203);
    const tail: string[] = [];
    await new ClusterFollower(standIn(stored).api, 'u', 'cls_1', {
      log: (l) => tail.push(l.id),
    }).history({ tail: 3, nodeId: 'node_1' });
    expect(tail).toEqual(['1198', '1200', '1202']);
  });

  it('shows lines that arrive out of id order, and each line once', async () => {
    const { api, subscriptions } = standIn([line(1), line(2)]);
    const shown: string[] = [];
    const follower = new ClusterFollower(api, 'u', 'cls_1', { log: (l) => shown.push(l.id) });
    await follower.history();
    follower.start();
    await until(() => subscriptions.length === 1);
    const [first] = subscriptions;
    // Replayed after the history (the server replays from afterLogId), then live out of order.
    for (const id of [1, 2, 4, 3, 4]) first?.handlers.onData?.(live(line(id)));
    expect(shown).toEqual(['1', '2', '4', '3']);
    follower.stop();
    await follower.done;
    expect(first?.closed).toBe(true);
  });

  it('opens a dropped stream again after a look at the cluster, with no line twice', async () => {
    const { api, subscriptions } = standIn([line(1)]);
    const shown: string[] = [];
    const states: string[] = [];
    const follower = new ClusterFollower(api, 'u', 'cls_1', {
      log: (l) => shown.push(l.id),
      snapshot: () => states.push('snapshot'),
      connection: (state) => states.push(state),
    });
    await follower.history();
    follower.start();
    await until(() => subscriptions.length === 1);
    subscriptions[0]?.handlers.onStarted?.();
    subscriptions[0]?.handlers.onData?.(live(line(2)));
    subscriptions[0]?.handlers.onConnectionStateChange?.({
      state: 'connecting',
      error: new Error('socket hang up'),
    });
    expect(subscriptions[0]?.closed).toBe(true);
    await until(() => subscriptions.length === 2);
    // Resumed from before the lines seen; their repeats are dropped.
    expect(subscriptions[1]?.input.afterLogId).toBe('0');
    subscriptions[1]?.handlers.onStarted?.();
    for (const id of [1, 2, 3]) subscriptions[1]?.handlers.onData?.(live(line(id)));
    expect(shown).toEqual(['1', '2', '3']);
    // The old stream, closing late, changes nothing.
    subscriptions[0]?.handlers.onData?.(live(line(9)));
    subscriptions[0]?.handlers.onConnectionStateChange?.({
      state: 'connecting',
      error: new Error('late'),
    });
    expect(shown).toEqual(['1', '2', '3']);
    expect(subscriptions[1]?.closed).toBe(false);
    expect(states.filter((s) => s !== 'snapshot')).toEqual(['lost', 'back']);
    expect(states.filter((s) => s === 'snapshot').length).toBeGreaterThanOrEqual(2);
    follower.stop();
  });
});
