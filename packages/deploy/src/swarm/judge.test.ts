import type { SwarmNode, SwarmService, SwarmTask } from '@flotilla/docker';
import { describe, expect, it } from 'vitest';
import { judge, newWatch, startFailuresOnly } from './judge.ts';

const node = (id: string, state: SwarmNode['Status']['State'] = 'ready'): SwarmNode => ({
  ID: id,
  Description: { Hostname: id },
  Spec: { Role: 'worker', Availability: 'active' },
  Status: { State: state },
});
const nodes = [node('n1'), node('n2'), node('n3')];

function service(replicas: number, status?: SwarmService['UpdateStatus']): SwarmService {
  return {
    ID: 's1',
    Version: { Index: 10 },
    CreatedAt: '',
    UpdatedAt: '',
    Spec: {
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: 'x' } },
      Mode: { Replicated: { Replicas: replicas } },
    },
    ...(status ? { UpdateStatus: status } : {}),
  };
}

function task(
  id: string,
  slot: number,
  state: SwarmTask['Status']['State'],
  extra: Partial<SwarmTask['Status']> = {},
): SwarmTask {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    ServiceID: 's1',
    Slot: slot,
    NodeID: `n${slot}`,
    Spec: { ContainerSpec: { Image: 'x' } },
    Status: { Timestamp: '', State: state, ...extra },
    DesiredState: 'running',
  };
}

const running = [task('a', 1, 'running'), task('b', 2, 'running'), task('c', 3, 'running')];

describe('judging a rollout', () => {
  it('succeeds only after all replicas ran for the monitor window', () => {
    const watch = newWatch({ monitorMs: 5_000, pendingTimeoutMs: 60_000, created: true });
    const seen = { service: service(3), upToDate: running, all: running, nodes };
    expect(judge(watch, { ...seen, now: 0 }).state).toBe('progressing');
    expect(judge(watch, { ...seen, now: 4_999 }).state).toBe('progressing');
    // One task dropping out restarts the window.
    expect(judge(watch, { ...seen, upToDate: running.slice(0, 2), now: 5_000 }).state).toBe(
      'progressing',
    );
    expect(judge(watch, { ...seen, now: 6_000 }).state).toBe('progressing');
    expect(judge(watch, { ...seen, now: 11_000 })).toEqual({ state: 'succeeded', running: 3 });
  });

  it('does not count tasks on a node that is down, nor stays "updating" a success', () => {
    const watch = newWatch({ monitorMs: 0, pendingTimeoutMs: 60_000, created: false });
    const down = [node('n1'), node('n2'), node('n3', 'down')];
    expect(
      judge(watch, { now: 0, service: service(3), upToDate: running, all: running, nodes: down })
        .state,
    ).toBe('progressing');
    const updating = service(3, { State: 'updating', StartedAt: 't1' });
    expect(
      judge(watch, { now: 0, service: updating, upToDate: running, all: running, nodes }).state,
    ).toBe('progressing');
    const done = service(3, { State: 'completed', StartedAt: 't1' });
    expect(
      judge(watch, { now: 1, service: done, upToDate: running, all: running, nodes }).state,
    ).toBe('succeeded');
  });

  it('fails on a rollback with Swarm’s message and the failed tasks’ errors', () => {
    const watch = newWatch({
      monitorMs: 0,
      pendingTimeoutMs: 60_000,
      created: false,
      tasksBefore: running,
    });
    const failed = task('d', 1, 'failed', { Err: 'task: non-zero exit (1)' });
    const all = [...running, failed];
    const rolling = service(3, {
      State: 'rollback_started',
      StartedAt: 't2',
      Message: 'update rolled back',
    });
    expect(judge(watch, { now: 0, service: rolling, upToDate: running, all, nodes }).state).toBe(
      'rollingBack',
    );
    const back = service(3, {
      State: 'rollback_completed',
      StartedAt: 't2',
      Message: 'rollback completed',
    });
    expect(judge(watch, { now: 1, service: back, upToDate: running, all, nodes })).toEqual({
      state: 'failed',
      reason: 'rolled back: rollback completed; tasks: task: non-zero exit (1)',
      rolledBack: true,
      restore: false,
    });
  });

  it('ignores the update status an earlier rollout left behind', () => {
    const before = service(3, { State: 'rollback_completed', StartedAt: 't0' });
    const watch = newWatch({ monitorMs: 0, pendingTimeoutMs: 60_000, created: false, before });
    expect(
      judge(watch, { now: 0, service: before, upToDate: running, all: running, nodes }).state,
    ).toBe('succeeded');
  });

  it('fails on a paused update, asking for the previous spec back', () => {
    const watch = newWatch({ monitorMs: 0, pendingTimeoutMs: 60_000, created: false });
    const paused = service(3, {
      State: 'paused',
      StartedAt: 't3',
      Message: 'update paused due to failure',
    });
    expect(judge(watch, { now: 0, service: paused, upToDate: [], all: [], nodes })).toMatchObject({
      state: 'failed',
      restore: true,
    });
  });

  it('fails a new service at its first failed task, and a task pending past the limit', () => {
    const created = newWatch({ monitorMs: 0, pendingTimeoutMs: 60_000, created: true });
    const crash = task('x', 1, 'failed', { Err: 'task: non-zero exit (1)' });
    expect(
      judge(created, { now: 0, service: service(1), upToDate: [crash], all: [crash], nodes }),
    ).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('non-zero exit (1)'),
    });
    const stuck = newWatch({ monitorMs: 0, pendingTimeoutMs: 10_000, created: false });
    const pending = task('p', 1, 'pending', {
      Err: 'no suitable node (insufficient resources on 3 nodes)',
    });
    const seen = { service: service(1), upToDate: [pending], all: [pending], nodes };
    expect(judge(stuck, { ...seen, now: 0 }).state).toBe('progressing');
    expect(judge(stuck, { ...seen, now: 10_000 })).toMatchObject({
      state: 'failed',
      reason:
        'a task stayed pending for 10 s: no suitable node (insufficient resources on 3 nodes)',
      restore: true,
    });
  });
});

describe('startFailuresOnly', () => {
  const runtime =
    'starting container failed: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: writing syncT "procResume": write init-p: broken pipe: unknown (exit 128)';
  it('is true when every lost task failed before its app ran', () => {
    expect(startFailuresOnly([runtime])).toBe(true);
    expect(startFailuresOnly(new Map([['t1', runtime]]).values())).toBe(true);
  });

  it('is false for an app that exited, a rejected task, or no failure at all', () => {
    expect(startFailuresOnly([runtime, 'task: non-zero exit (1)'])).toBe(false);
    expect(startFailuresOnly(['No such image: registry.test/web:v9'])).toBe(false);
    expect(startFailuresOnly([])).toBe(false);
  });
});
