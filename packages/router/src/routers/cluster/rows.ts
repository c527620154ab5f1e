// Reading clusters: the hot list through postgres.js in one query, a cluster with its nodes, the
// live nodes under the cluster's row lock, and the row → API mappers.
import type { Db, Node, NodeAvailability, Prisma, Sql } from '@flotilla/db';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { conflict } from '../../errors.ts';
import type { clusterAllInput } from './all.schema.ts';
import type { clusterSummary, node, nodeStateSchema } from './schema.ts';

type Summary = z.infer<typeof clusterSummary>;
type ClusterAllInput = z.infer<typeof clusterAllInput>;
type NodeOut = z.infer<typeof node>;
type NodeState = z.infer<typeof nodeStateSchema>;

type NodeRow = Pick<
  Node,
  | 'id'
  | 'clusterId'
  | 'name'
  | 'role'
  | 'plan'
  | 'address'
  | 'status'
  | 'statusReason'
  | 'failureKind'
  | 'ordinal'
  | 'createdAt'
  | 'availability'
  | 'availabilityGeneration'
  | 'availabilityApplied'
  | 'reportedAvailability'
> &
  Partial<Pick<Node, 'version'>>;

/**
 * A node's availability as the API shows it: while a change is under way (its job has not
 * applied it yet), the one asked for; else what the managers last reported (a change made by
 * hand on the servers shows too), or the last one asked for before any report.
 */
export function availabilityOf(row: NodeRow): { availability: NodeAvailability; pending: boolean } {
  const pending = row.availabilityApplied < row.availabilityGeneration;
  return {
    availability: pending ? row.availability : (row.reportedAvailability ?? row.availability),
    pending,
  };
}

/** The page's node status: down and not-ready from the status, draining from the availability. */
export function nodeStateOf(status: Node['status'], availability: NodeAvailability): NodeState {
  if (status === 'down') return 'down';
  if (status === 'draining') return 'draining';
  if (status !== 'running') return 'not_ready';
  return availability === 'active' ? 'ready' : 'draining';
}

export function nodeOut(row: NodeRow): NodeOut {
  const { availability, pending } = availabilityOf(row);
  return {
    id: row.id,
    clusterId: row.clusterId,
    name: row.name,
    role: row.role,
    plan: row.plan,
    ip: row.address,
    status: row.status,
    statusReason: row.statusReason,
    failureKind: row.failureKind,
    ordinal: row.ordinal,
    version: row.version ?? null,
    availability,
    availabilityPending: pending,
    state: nodeStateOf(row.status, availability),
    createdAt: row.createdAt.toISOString(),
  };
}

export interface ClusterRow {
  id: string;
  organizationId: string;
  name: string;
  provider: Summary['provider'];
  region: string;
  orchestrator: Summary['orchestrator'];
  status: Summary['status'];
  statusReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function clusterOut(row: ClusterRow, nodeCount: number): Summary {
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    provider: row.provider,
    region: row.region,
    orchestrator: row.orchestrator,
    status: row.status,
    statusReason: row.statusReason,
    nodeCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const sortColumns = {
  createdAt: 'createdAt',
  name: 'name',
  status: 'status',
  provider: 'provider',
  region: 'region',
} as const;

/** `%` and `_` in a search are literal characters, not patterns. */
function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface ClusterPage {
  role: string | null;
  rows: Summary[];
  total: number;
}

/**
 * The clusters of organization $1 that user $2 may see (all of them as a member, the granted ones
 * otherwise), narrowed by the search and the status when given, numbered from `$first` on.
 */
function visibleClusters(input: ClusterAllInput, first: number): string {
  let next = first;
  const search = input.search ? `and c.name ilike $${next++}` : '';
  const status = input.status ? `and c.status::text = $${next++}` : '';
  return `c."organizationId" = $1 and (
        exists (select 1 from "Membership" m
                where m."organizationId" = c."organizationId" and m."userId" = $2)
        or exists (select 1 from "ClusterAccess" a where a."clusterId" = c.id and a."userId" = $2)
      ) ${search} ${status}`;
}

function filterParams(input: ClusterAllInput): string[] {
  const params: string[] = [];
  if (input.search) params.push(likePattern(input.search));
  if (input.status) params.push(input.status);
  return params;
}

type PageRow = Omit<Summary, 'id'> & {
  id: string | null;
  role: string | null;
  total: number;
};

/** The SQL of one page for one shape of input (sort, order, which filters), written once. */
const pageQueries = new Map<string, string>();

/**
 * The page query's text for this input's shape: $1 organization, $2 user, $3 limit, $4 offset,
 * then the search pattern and the status when given. Cached, because building it through
 * postgres.js fragments on every request (identifier escaping included) cost more than reading
 * the rows. Column names and directions come from fixed lists, never from the input's text.
 */
function pageQuery(input: ClusterAllInput): string {
  const key = `${input.sort} ${input.order} ${input.search ? 's' : ''}${input.status ? 't' : ''}`;
  const cached = pageQueries.get(key);
  if (cached) return cached;
  const column = `"${sortColumns[input.sort]}"`;
  const direction = input.order === 'asc' ? 'asc' : 'desc';
  // Timestamps leave Postgres as ISO strings (exactly what toISOString writes): parsing 100 dates
  // per page into Date objects only to print them again was a tenth of the request's CPU time.
  const iso = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
  const text = `
    select m.role, p.id, p."organizationId", p.name, p.provider, p.region, p.orchestrator,
      p.status, p."statusReason", p."nodeCount", p.total,
      to_char(p."createdAt" at time zone 'UTC', ${iso}) as "createdAt",
      to_char(p."updatedAt" at time zone 'UTC', ${iso}) as "updatedAt"
    from (select 1) as one
    left join lateral (
      select role::text from "Membership" where "organizationId" = $1 and "userId" = $2
    ) m on true
    left join lateral (
      select c.id, c."organizationId", c.name, c.provider, c.region, c.orchestrator, c.status,
        c."statusReason", c."createdAt", c."updatedAt",
        (select count(*) from "Node" n where n."clusterId" = c.id)::int as "nodeCount",
        count(*) over ()::int as total
      from "Cluster" c
      where ${visibleClusters(input, 5)}
      order by c.${column} ${direction}, c.id ${direction}
      limit $3 offset $4
    ) p on true
    order by p.${column} ${direction}, p.id ${direction}`;
  pageQueries.set(key, text);
  return text;
}

/**
 * One page of an organization's clusters the user may see (all of them as a member, the
 * granted ones otherwise), with the caller's role, node counts and the total: ONE round trip,
 * because this is the hottest read of the API. The page is a lateral join on a one-row
 * relation, so a member of an organization without clusters still gets their role back.
 */
export async function listClusters(
  sql: Sql,
  userId: string,
  input: ClusterAllInput,
): Promise<ClusterPage> {
  const params = [
    input.organizationId,
    userId,
    input.limit,
    (input.page - 1) * input.limit,
    ...filterParams(input),
  ];
  const rows = await sql.unsafe<PageRow[]>(pageQuery(input), params, { prepare: true });
  const role = rows[0]?.role ?? null;
  const clusters: Summary[] = [];
  let total = 0;
  for (const row of rows) {
    if (row.id === null) continue;
    total = row.total;
    clusters.push({
      id: row.id,
      organizationId: row.organizationId,
      name: row.name,
      provider: row.provider,
      region: row.region,
      orchestrator: row.orchestrator,
      status: row.status,
      statusReason: row.statusReason,
      nodeCount: row.nodeCount,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }
  if (clusters.length === 0 && input.page > 1) {
    // Past the last page the window count has no row to ride on.
    const [counted] = await sql.unsafe<{ total: number }[]>(
      `select count(*)::int as total from "Cluster" c where ${visibleClusters(input, 3)}`,
      [input.organizationId, userId, ...filterParams(input)],
      { prepare: true },
    );
    total = counted?.total ?? 0;
  }
  return { role, rows: clusters, total };
}

type Tx = Prisma.TransactionClient;

/** A cluster with its nodes, as `cluster.one` answers it. */
export async function clusterDetailOf(db: Db | Tx, clusterId: string) {
  const cluster = await db.cluster.findUnique({
    where: { id: clusterId },
    include: { nodes: { orderBy: { ordinal: 'asc' } } },
  });
  if (!cluster) throw new TRPCError({ code: 'NOT_FOUND', message: 'Cluster not found' });
  return {
    ...clusterOut(cluster, cluster.nodes.length),
    nodes: cluster.nodes.map(nodeOut),
    adopted: cluster.adopted,
    orchestratorVersion: cluster.orchestratorVersion,
  };
}

/** Live (not leaving) nodes of a cluster, read under the cluster's row lock. */
export async function lockedLiveNodes(tx: Tx, clusterId: string) {
  const [cluster] = await tx.$queryRaw<{ status: string }[]>`
    select status from "Cluster" where id = ${clusterId} for update`;
  if (!cluster) throw new TRPCError({ code: 'NOT_FOUND', message: 'Cluster not found' });
  if (cluster.status === 'deleting') throw conflict('The cluster is being deleted');
  const nodes = await tx.node.findMany({
    where: { clusterId },
    select: { id: true, role: true, status: true, ordinal: true },
  });
  return {
    all: nodes,
    live: nodes.filter((n) => n.status !== 'deleting'),
  };
}
