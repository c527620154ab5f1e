// Reading clusters: the hot list through postgres.js in one query, and the row → API mappers.
import type { Node, Sql } from '@flotilla/db';
import type { z } from 'zod';
import type { clusterAllInput, clusterSummary, node } from './schemas/cluster.ts';

type Summary = z.infer<typeof clusterSummary>;
type ClusterAllInput = z.infer<typeof clusterAllInput>;
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
