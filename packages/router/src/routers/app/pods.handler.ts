import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { readLive } from './live.ts';
import { appPodsInput, appPodsOutput } from './pods.schema.ts';
import { currentPods, kubernetesApp, kubernetesPod, tasksOf } from './pods.ts';

export const meta = {
  summary: "The app's running tasks (Kubernetes: its pods), read live from the cluster",
  http: { method: 'GET' },
  input: appPodsInput,
  output: appPodsOutput,
} satisfies Meta;

export const procedure = appProcedure('view', appPodsInput)
  .meta(meta)
  .output(appPodsOutput)
  .query(({ ctx }) =>
    readLive(ctx, ctx.cluster, {
      swarm: async (swarm) => currentPods(await tasksOf(swarm, ctx.app.serviceName)),
      kubernetes: async (kube) => {
        const { namespace, owner } = kubernetesApp(ctx.app.id);
        return (await kube.target.pods(namespace, owner, ctx.app.serviceName)).map(kubernetesPod);
      },
    }),
  );
