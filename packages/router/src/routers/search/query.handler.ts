// search.query: clusters, nodes, apps, managed databases and stacks the caller may see, ranked,
// in ONE SQL query.
// Names match as a substring (`ilike`, which the pg_trgm GIN indexes on every name serve) or
// with small typos (pg_trgm's word similarity), stack descriptions by Postgres full-text search. What the caller may see is the same rule as everywhere: a member sees the whole
// organization; a user with cluster grants sees those clusters and what runs on them; nothing of
// another organization is ever read.
import { TRPCError } from '@trpc/server';
import { orgRole } from '../../access.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { organizationOf } from '../app/placement.ts';
import { searchKinds, searchQueryInput, searchQueryOutput } from './query.schema.ts';

export const meta = {
  summary:
    'Find clusters, nodes, apps, databases and stacks of the organization by name (or part of one), best match first',
  http: { method: 'GET' },
  input: searchQueryInput,
  output: searchQueryOutput,
} satisfies Meta;

interface HitRow {
  kind: (typeof searchKinds)[number];
  id: string;
  name: string;
  status: string;
  clusterId: string;
  clusterName: string;
  detail: string | null;
  score: number;
  updatedAt: string;
}

/** `%` and `_` in a query are literal characters, not patterns. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * How close a word of a name must be to the query to count as a typo of it: pg_trgm's default
 * (0.6) misses a swapped pair of letters in a word of eight ("paymnets" is 0.44 of "payments").
 */
const typoSimilarity = 0.4;

// $1 organization, $2 user, $3 the query, $4 its ilike pattern, $5 kinds, $6 limit.
// `matches(col)`: substring or typo-tolerant word match; `rank(col)`: 2 exact, 1 prefix, then
// similarity (0–1).
const matches = (col: string) =>
  `(${col} ilike $4::text or word_similarity($3::text, ${col}) >= ${typoSimilarity})`;
const rank = (col: string) => `(case when lower(${col}) = lower($3::text) then 2
      when lower(${col}) like lower($3::text) || '%' then 1 else 0 end
    + greatest(similarity(${col}, $3::text), word_similarity($3::text, ${col})))`;
const iso = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

const searchSql = `
  with visible as (
    select c.id, c.name from "Cluster" c
    where c."organizationId" = $1::text
      and (exists (select 1 from "Membership" m where m."organizationId" = $1::text and m."userId" = $2::text)
        or exists (select 1 from "ClusterAccess" a where a."clusterId" = c.id and a."userId" = $2::text))
  ), hits as (
    select 'cluster' as kind, c.id, c.name, c.status::text as status, c.id as "clusterId",
      c.name as "clusterName", c.region as detail, ${rank('c.name')} as score, c."updatedAt"
    from "Cluster" c join visible v on v.id = c.id
    where 'cluster' = any($5::text[]) and ${matches('c.name')}
    union all
    select 'node', n.id, n.name, n.status::text, n."clusterId", v.name, n.address,
      greatest(${rank('n.name')}, case when n.address = $3::text then 2 else 0 end), n."updatedAt"
    from "Node" n join visible v on v.id = n."clusterId"
    where 'node' = any($5::text[]) and (${matches('n.name')} or n.address = $3::text)
    union all
    select 'app', a.id, a.name, a.status::text, a."clusterId", v.name, a."imageUrl",
      greatest(${rank('a.name')}, ${rank('a.slug')}), a."updatedAt"
    from "App" a join visible v on v.id = a."clusterId"
    where 'app' = any($5::text[]) and a."organizationId" = $1::text and (${matches('a.name')} or ${matches('a.slug')})
    union all
    select 'database', d.id, d.name, d.status::text, d."clusterId", v.name,
      d.engine::text || ' ' || d.version, ${rank('d.name')}, d."updatedAt"
    from "ManagedDatabase" d join visible v on v.id = d."clusterId"
    where 'database' = any($5::text[]) and d."organizationId" = $1::text and ${matches('d.name')}
    union all
    select 'stack', s.id, s.name, s.status::text, s."clusterId", v.name, nullif(s.description, ''),
      greatest(${rank('s.name')}, ${rank('s."stackName"')})
        + ts_rank(to_tsvector('simple', s.description), plainto_tsquery('simple', $3::text)), s."updatedAt"
    from "Stack" s join visible v on v.id = s."clusterId"
    where 'stack' = any($5::text[]) and s."organizationId" = $1::text
      and (${matches('s.name')} or ${matches('s."stackName"')}
        or to_tsvector('simple', s.description) @@ plainto_tsquery('simple', $3::text))
  )
  select kind, id, name, status, "clusterId", "clusterName", detail, score::float8 as score,
    to_char("updatedAt" at time zone 'UTC', ${iso}) as "updatedAt"
  from hits order by score desc, name, id limit $6::int`;

export const procedure = authedProcedure
  .meta(meta)
  .input(searchQueryInput)
  .output(searchQueryOutput)
  .query(async ({ ctx, input }) => {
    const organizationId = await organizationOf(ctx, input.organizationId);
    const role = await orgRole(ctx, organizationId);
    if (!role) {
      const granted = await ctx.db.clusterAccess.count({
        where: { userId: ctx.principal.userId, cluster: { organizationId } },
      });
      // The same answer as for an organization that does not exist.
      if (granted === 0) {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Organization not found' });
      }
    }
    const rows = await ctx.sql.unsafe<HitRow[]>(
      searchSql,
      [
        organizationId,
        ctx.principal.userId,
        input.q,
        likePattern(input.q),
        input.kinds ?? [...searchKinds],
        input.limit,
      ],
      { prepare: true },
    );
    return rows.map((row) => ({ ...row, score: Number(row.score) }));
  });
