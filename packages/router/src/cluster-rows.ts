// Reading clusters: the hot list through postgres.js in one query, and the row → API mappers.
import type { Node, Sql } from '@flotilla/db';
import type { z } from 'zod';
import type { clusterAllInput, clusterSummary, node } from './schemas/cluster.ts';

type Summary = z.infer<typeof clusterSummary>;
type NodeOut = z.infer<typeof node>;

export function nodeOut(
  row: Pick<
    Node,
    | 'id'
    | 'name'
    | 'role'
    | 'plan'
    | 'address'
    | 'status'
    | 'statusReason'
    | 'ordinal'
    | 'createdAt'
  >,
): NodeOut {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    plan: row.plan,
    ip: row.address,
    status: row.status,
    statusReason: row.statusReason,
    ordinal: row.ordinal,
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

/** Who may see a cluster of the organization: its members, or a user it was granted to. */
function visibleTo(sql: Sql, userId: string) {
  return sql`(
    exists (select 1 from "Membership" m
            where m."organizationId" = c."organizationId" and m."userId" = ${userId})
    or exists (select 1 from "ClusterAccess" a where a."clusterId" = c.id and a."userId" = ${userId})
  )`;
}

function filters(sql: Sql, input: z.infer<typeof clusterAllInput>) {
  return sql`
    ${input.search ? sql`and c.name ilike ${likePattern(input.search)}` : sql``}
    ${input.status ? sql`and c.status::text = ${input.status}` : sql``}`;
}

type PageRow = Omit<Summary, 'id'> & {
  id: string | null;
  role: string | null;
  total: number;
};

/** An ISO 8601 timestamp exactly as `Date.prototype.toISOString` writes it, made by Postgres. */
const isoFormat = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

/**
 * One page of an organization's clusters the user may see (all of them as a member, the
 * granted ones otherwise), with the caller's role, node counts and the total: ONE round trip,
 * because this is the hottest read of the API. The page is a lateral join on a one-row
 * relation, so a member of an organization without clusters still gets their role back.
 */
export async function listClusters(
  sql: Sql,
  userId: string,
  input: z.infer<typeof clusterAllInput>,
): Promise<ClusterPage> {
  const column = sql(sortColumns[input.sort]);
  const direction = input.order === 'asc' ? sql`asc` : sql`desc`;
  // Timestamps leave Postgres as ISO strings: parsing 100 dates per page into Date objects only
  // to print them again was a tenth of the request's CPU time.
  const rows = await sql<PageRow[]>`
    select m.role, p.id, p."organizationId", p.name, p.provider, p.region, p.orchestrator,
      p.status, p."statusReason", p."nodeCount", p.total,
      to_char(p."createdAt" at time zone 'UTC', ${isoFormat}) as "createdAt",
      to_char(p."updatedAt" at time zone 'UTC', ${isoFormat}) as "updatedAt"
    from (select 1) as one
    left join lateral (
      select role::text from "Membership"
      where "organizationId" = ${input.organizationId} and "userId" = ${userId}
    ) m on true
    left join lateral (
      select c.id, c."organizationId", c.name, c.provider, c.region, c.orchestrator, c.status,
        c."statusReason", c."createdAt", c."updatedAt",
        (select count(*) from "Node" n where n."clusterId" = c.id)::int as "nodeCount",
        count(*) over ()::int as total
      from "Cluster" c
      where c."organizationId" = ${input.organizationId} and ${visibleTo(sql, userId)}
        ${filters(sql, input)}
      order by c.${column} ${direction}, c.id ${direction}
      limit ${input.limit} offset ${(input.page - 1) * input.limit}
    ) p on true
    order by p.${column} ${direction}, p.id ${direction}`;
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
    const [counted] = await sql<{ total: number }[]>`
      select count(*)::int as total from "Cluster" c
      where c."organizationId" = ${input.organizationId} and ${visibleTo(sql, userId)}
        ${filters(sql, input)}`;
    total = counted?.total ?? 0;
  }
  return { role, rows: clusters, total };
}
