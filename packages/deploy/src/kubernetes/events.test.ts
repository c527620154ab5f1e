import { describe, expect, it } from 'vitest';
import { workloadEvents } from './events.ts';
import type { KubeObject } from './resources.ts';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns' },
  status: {
    conditions: [
      {
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
        lastUpdateTime: '2026-12-06T10:00:01Z',
        lastTransitionTime: '2026-12-06T10:00:01Z',
      },
      {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: 'ReplicaSet "web-2" has timed out progressing.',
        lastUpdateTime: '2026-12-06T10:05:00Z',
        lastTransitionTime: '2026-12-06T10:05:00Z',
      },
    ],
  },
} as KubeObject;

const crashing = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-2-abc', namespace: 'ns', creationTimestamp: '2026-12-06T10:04:00Z' },
  spec: { nodeName: 'node-2' },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-12-06T10:04:00Z' },
      {
        type: 'Ready',
        status: 'False',
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [web]',
        lastTransitionTime: '2026-12-06T10:04:01Z',
      },
    ],
    containerStatuses: [
      {
        name: 'web',
        ready: false,
        restartCount: 4,
        lastState: {
          terminated: { exitCode: 1, reason: 'Error', finishedAt: '2026-12-06T10:04:30Z' },
        },
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting' } },
      },
    ],
  },
} as KubeObject;

const unschedulable = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-2-def', namespace: 'ns', creationTimestamp: '2026-12-06T10:04:00Z' },
  spec: {},
  status: {
    phase: 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: '0/3 nodes are available',
        lastTransitionTime: '2026-12-06T10:04:00Z',
      },
    ],
  },
} as KubeObject;

describe('workloadEvents', () => {
  it('tells what happened from conditions and container states, newest first', () => {
    const events = workloadEvents([deployment], [crashing, unschedulable]);
    expect(events.map((e) => [e.at, e.type, e.reason, e.object])).toEqual([
      ['2026-12-06T10:05:00Z', 'Warning', 'ProgressDeadlineExceeded', 'Deployment/web'],
      ['2026-12-06T10:04:30Z', 'Warning', 'Error', 'Pod/web-2-abc'],
      ['2026-12-06T10:04:01Z', 'Warning', 'ContainersNotReady', 'Pod/web-2-abc'],
      ['2026-12-06T10:04:01Z', 'Warning', 'CrashLoopBackOff', 'Pod/web-2-abc'],
      ['2026-12-06T10:04:00Z', 'Normal', 'Created', 'Pod/web-2-abc'],
      ['2026-12-06T10:04:00Z', 'Normal', 'Scheduled', 'Pod/web-2-abc'],
      ['2026-12-06T10:04:00Z', 'Normal', 'Created', 'Pod/web-2-def'],
      ['2026-12-06T10:04:00Z', 'Warning', 'FailedScheduling', 'Pod/web-2-def'],
      ['2026-12-06T10:00:01Z', 'Normal', 'MinimumReplicasAvailable', 'Deployment/web'],
    ]);
    const exit = events.find((e) => e.reason === 'Error');
    expect(exit).toMatchObject({
      message: 'container web exited with code 1 (restarts: 4)',
      node: 'node-2',
    });
    expect(events.find((e) => e.reason === 'FailedScheduling')?.message).toBe(
      '0/3 nodes are available',
    );
  });
});
