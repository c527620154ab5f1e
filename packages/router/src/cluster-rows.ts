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

/**
 * One page of an organization's clusters the user may see (all of them as a member, the
 * granted ones otherwise), with node counts and the total, in one query; the membership is
 * read alongside on another connection.
 */
export async function listClusters(
  sql: Sql,
  userId: string,
  input: z.infer<typeof clusterAllInput>,
): Promise<ClusterPage> {
  const column = sql(sortColumns[input.sort]);
  const direction = input.order === 'asc' ? sql`asc` : sql`desc`;
  const [memberships, rows] = await Promise.all([
    sql<{ role: string }[]>`
      select role from "Membership"
      where "organizationId" = ${input.organizationId} and "userId" = ${userId}`,
    sql<(ClusterRow & { nodeCount: number; total: number })[]>`
      select c.id, c."organizationId", c.name, c.provider, c.region, c.orchestrator, c.status,
        c."statusReason", c."createdAt", c."updatedAt",
        (select count(*) from "Node" n where n."clusterId" = c.id)::int as "nodeCount",
        count(*) over ()::int as total
      from "Cluster" c
      where c."organizationId" = ${input.organizationId}
        and (
          exists (select 1 from "Membership" m
                  where m."organizationId" = c."organizationId" and m."userId" = ${userId})
          or exists (select 1 from "ClusterAccess" a where a."clusterId" = c.id and a."userId" = ${userId})
        )
        ${input.search ? sql`and c.name ilike ${likePattern(input.search)}` : sql``}
        ${input.status ? sql`and c.status::text = ${input.status}` : sql``}
      order by c.${column} ${direction}, c.id ${direction}
      limit ${input.limit} offset ${(input.page - 1) * input.limit}`,
  ]);
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && input.page > 1) {
    // Past the last page the window count has no row to ride on.
    const [counted] = await sql<{ total: number }[]>`
      select count(*)::int as total from "Cluster" c
      where c."organizationId" = ${input.organizationId}
        and (
          exists (select 1 from "Membership" m
                  where m."organizationId" = c."organizationId" and m."userId" = ${userId})
          or exists (select 1 from "ClusterAccess" a where a."clusterId" = c.id and a."userId" = ${userId})
        )
        ${input.search ? sql`and c.name ilike ${likePattern(input.search)}` : sql``}
        ${input.status ? sql`and c.status::text = ${input.status}` : sql``}`;
    total = counted?.total ?? 0;
  }
  return {
    role: memberships[0]?.role ?? null,
    rows: rows.map((row) => clusterOut(row, row.nodeCount)),
    total,
  };
}
