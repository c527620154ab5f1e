import { instanceSessionProcedure, type Meta } from '../../trpc.ts';
import { controlPlaneOverviewOutput } from './overview.schema.ts';
import { assignmentOut } from './rows.ts';

export const meta = {
  summary: "The control plane's own API and worker processes, and the pins of jobs to workers",
  http: { method: 'GET' },
  output: controlPlaneOverviewOutput,
} satisfies Meta;

interface NodeRow {
  name: string;
  role: 'api' | 'worker';
  url: string | null;
  tags: string[] | null;
  online: boolean;
  lastHeartbeatAt: Date;
  startedAt: Date;
  version: string;
  hostname: string;
  pid: number;
}

export const procedure = instanceSessionProcedure
  .meta(meta)
  .output(controlPlaneOverviewOutput)
  .query(async ({ ctx }) => {
    // Online is judged by the database's clock, as routing judges it.
    const [nodes, assignments] = await Promise.all([
      ctx.db.$queryRaw<NodeRow[]>`
        select name, role::text as role, url, tags, "onlineUntil" > now() as online,
          "lastHeartbeatAt", "startedAt", version, hostname, pid
        from "ControlPlaneNode" order by name, role`,
      ctx.db.controlPlaneAssignment.findMany({
        orderBy: [{ entityType: 'asc' }, { entityId: 'asc' }],
      }),
    ]);
    return {
      thisNodeName: ctx.nodeName,
      defaultNodeName: null,
      nodes: nodes.map((node) => ({
        name: node.name,
        role: node.role,
        url: node.url,
        tags: node.tags ?? [],
        status: node.online ? ('online' as const) : ('offline' as const),
        lastHeartbeatAt: node.lastHeartbeatAt.toISOString(),
        startedAt: node.startedAt.toISOString(),
        version: node.version,
        hostname: node.hostname,
        pid: node.pid,
      })),
      assignments: assignments.map(assignmentOut),
    };
  });
