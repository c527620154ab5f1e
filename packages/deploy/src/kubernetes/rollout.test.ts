import { describe, expect, it } from 'vitest';
import type { KubeObject } from './resources.ts';
import { deploymentRollout, podInfo, statefulSetRollout } from './rollout.ts';

const deployment = (generation: number, spec: object, status: object): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', generation },
  spec,
  status,
});

describe('deploymentRollout, as kubectl rollout status judges it', () => {
  const done = { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 };

  it('waits until the controller has seen the new generation', () => {
    expect(deploymentRollout(deployment(3, { replicas: 3 }, done))).toEqual({
      state: 'progressing',
      detail: 'waiting for deployment spec update to be observed',
    });
  });

  it('waits for new replicas, then old ones to go, then the new ones to be available', () => {
    const at = (status: object) =>
      deploymentRollout(deployment(2, { replicas: 3 }, { ...done, ...status }));
    expect(at({ updatedReplicas: 1 })).toMatchObject({
      detail: '1 out of 3 new replicas have been updated',
    });
    expect(at({ replicas: 4 })).toMatchObject({ detail: '1 old replicas are pending termination' });
    expect(at({ availableReplicas: 2 })).toMatchObject({
      detail: '2 of 3 updated replicas are available',
    });
    expect(at({})).toEqual({
      state: 'complete',
      detail: 'deployment "web" successfully rolled out',
    });
  });

  it('fails once Progressing says ProgressDeadlineExceeded, whatever the counts', () => {
    const conditions = [
      {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: 'ReplicaSet "web-abc" has timed out progressing.',
      },
    ];
    expect(
      deploymentRollout(
        deployment(2, { replicas: 3 }, { ...done, updatedReplicas: 1, conditions }),
      ),
    ).toEqual({
      state: 'failed',
      reason:
        'deployment "web" exceeded its progress deadline (ProgressDeadlineExceeded: ReplicaSet "web-abc" has timed out progressing.)',
    });
  });

  it('counts a missing replicas field as Kubernetes’ default of one', () => {
    expect(
      deploymentRollout(deployment(1, {}, { observedGeneration: 1, updatedReplicas: 0 })),
    ).toMatchObject({
      state: 'progressing',
    });
  });
});

describe('statefulSetRollout', () => {
  const set = (status: object, spec: object = { replicas: 1 }): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'pg', generation: 1 },
    spec,
    status,
  });

  it('is complete when every pod is ready at the update revision', () => {
    expect(statefulSetRollout(set({ observedGeneration: 0 }))).toMatchObject({
      state: 'progressing',
    });
    expect(statefulSetRollout(set({ observedGeneration: 1, readyReplicas: 0 }))).toMatchObject({
      detail: 'waiting for 1 pods to be ready',
    });
    expect(
      statefulSetRollout(
        set({
          observedGeneration: 1,
          readyReplicas: 1,
          currentRevision: 'pg-a',
          updateRevision: 'pg-b',
        }),
      ),
    ).toMatchObject({ state: 'progressing' });
    expect(
      statefulSetRollout(
        set({
          observedGeneration: 1,
          readyReplicas: 1,
          currentReplicas: 1,
          currentRevision: 'pg-b',
          updateRevision: 'pg-b',
        }),
      ),
    ).toEqual({
      state: 'complete',
      detail: 'statefulset rolling update complete 1 pods at revision pg-b',
    });
  });
});

describe('podInfo', () => {
  it('shows a crash-looping pod as CrashLoopBackOff and not ready, though its phase is Running', () => {
    const pod = podInfo({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-abc-x', namespace: 'a', labels: { 'pod-template-hash': 'abc' } },
      spec: { nodeName: 'n1', containers: [{ name: 'web', image: 'r/web:2' }] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'web',
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
          },
        ],
      },
    });
    expect(pod).toMatchObject({
      phase: 'Running',
      ready: false,
      status: 'CrashLoopBackOff',
      message: 'back-off 10s',
      restarts: 4,
      node: 'n1',
      revision: 'abc',
    });
  });

  it('says why a pod is not placed', () => {
    const pod = podInfo({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-abc-y', namespace: 'a' },
      spec: { containers: [{ name: 'web', image: 'r/web:2' }] },
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/2 nodes are available',
          },
        ],
      },
    });
    expect(pod).toMatchObject({
      status: 'Unschedulable',
      message: '0/2 nodes are available',
      ready: false,
    });
  });
});
