import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { appEventsInput, appEventsOutput } from './events.schema.ts';
import { readLive } from './live.ts';
import { kubernetesApp, tasksOf } from './pods.ts';

export const meta = {
  summary:
    "What happened to the app's tasks, newest first (each task's last state and the orchestrator's message; Kubernetes: the Deployment's conditions and each pod's), read live",
  http: { method: 'GET' },
  input: appEventsInput,
  output: appEventsOutput,
} satisfies Meta;

const warnings = new Set(['failed', 'rejected', 'orphaned']);

export const procedure = appProcedure('view', appEventsInput)
  .meta(meta)
  .output(appEventsOutput)
  .query(({ ctx, input }) =>
    readLive(ctx, ctx.cluster, {
      swarm: async (swarm) => {
        const tasks = await tasksOf(swarm, ctx.app.serviceName);
        return tasks
          .map((task) => ({
            at: new Date(task.updatedAt).toISOString(),
            type:
              warnings.has(task.state) || (task.error && task.desiredState === 'running')
                ? ('Warning' as const)
                : ('Normal' as const),
            reason: task.state,
            message: task.error ?? task.message ?? task.state,
            pod: task.name,
            node: task.node ?? null,
          }))
          .sort((a, b) => b.at.localeCompare(a.at))
          .slice(0, input.limit);
      },
      // From the Deployment's conditions and the pods' conditions and container states, not the
      // Events API (see @flotilla/deploy's kubernetes/events.ts).
      kubernetes: async (kube) => {
        const { namespace, owner } = kubernetesApp(ctx.app.id);
        const events = await kube.target.events(namespace, owner, ctx.app.serviceName);
        return events.slice(0, input.limit).map((event) => ({
          at: new Date(event.at).toISOString(),
          type: event.type,
          reason: event.reason,
          message: event.message,
          pod: event.object,
          node: event.node ?? null,
        }));
      },
    }),
  );
