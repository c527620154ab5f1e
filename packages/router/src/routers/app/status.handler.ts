import { desiredReplicas } from '@flotilla/deploy';
import type { z } from 'zod';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { readLive } from './live.ts';
import { currentPods, kubernetesApp, kubernetesPod } from './pods.ts';
import { appStatusInput, appStatusOutput } from './status.schema.ts';

type AppStatus = z.infer<typeof appStatusOutput>;

export const meta = {
  summary:
    'Runtime status read live from the cluster: replicas asked for and ready, each running task (Kubernetes: pod) and the rollout state',
  http: { method: 'GET' },
  input: appStatusInput,
  output: appStatusOutput,
} satisfies Meta;

export const procedure = appProcedure('view', appStatusInput)
  .meta(meta)
  .output(appStatusOutput)
  .query(({ ctx }) =>
    readLive(ctx, ctx.cluster, {
      swarm: async (swarm): Promise<AppStatus> => {
        const service = await swarm.engine.service(ctx.app.serviceName);
        if (!service) return absent(ctx.app.id);
        const pods = currentPods(await swarm.target.tasks(ctx.app.serviceName));
        return {
          appId: ctx.app.id,
          service: 'present' as const,
          desiredReplicas: desiredReplicas(service.Spec),
          readyReplicas: pods.filter((p) => p.ready).length,
          updateState: service.UpdateStatus?.State ?? null,
          updateMessage: service.UpdateStatus?.Message ?? null,
          pods,
        };
      },
      kubernetes: async (kube): Promise<AppStatus> => {
        const { namespace, owner } = kubernetesApp(ctx.app.id);
        const [workloads, pods] = await Promise.all([
          kube.target.status(namespace, owner),
          kube.target.pods(namespace, owner, ctx.app.serviceName),
        ]);
        const workload = workloads.find(
          (w) => w.kind === 'Deployment' && w.name === ctx.app.serviceName,
        );
        if (!workload) return absent(ctx.app.id);
        const { verdict } = workload;
        return {
          appId: ctx.app.id,
          service: 'present' as const,
          desiredReplicas: workload.desired,
          // Ready pods of the current template: old ones still serving during a rollout are not
          // what was asked for.
          readyReplicas: pods.filter((p) => p.ready && p.upToDate).length,
          // The rollout as `kubectl rollout status` says it: complete, progressing or failed.
          updateState: verdict.state,
          updateMessage: verdict.state === 'failed' ? verdict.reason : verdict.detail,
          pods: pods.map(kubernetesPod),
        };
      },
    }),
  );

function absent(appId: string): AppStatus {
  return {
    appId,
    service: 'absent' as const,
    desiredReplicas: 0,
    readyReplicas: 0,
    updateState: null,
    updateMessage: null,
    pods: [],
  };
}
