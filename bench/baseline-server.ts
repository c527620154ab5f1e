// The baseline the API is measured against: a bare node:http server that checks the same bearer
// token and answers the same page of `cluster.all` with one hand-written SQL query through
// postgres.js, the token check included (one round trip per request, as ours makes with its
// token cache). No framework, no validation library, no ORM: the fastest honest implementation.
import { createServer } from 'node:http';
import { hashToken } from '@flotilla/secrets';
import postgres from 'postgres';

const databaseUrl = process.env.DATABASE_URL as string;
const port = Number(process.env.PORT ?? 0);
const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/health') {
      res.end('ok');
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/api/cluster.all') {
      res.writeHead(404).end();
      return;
    }
    const auth = req.headers.authorization ?? '';
    const organizationId = url.searchParams.get('organizationId') ?? '';
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 20), 100);
    const page = Math.max(Number(url.searchParams.get('page') ?? 1), 1);
    // One round trip: the token check rides along with the page (a bad token gets a row with
    // a null role and no clusters).
    const rows = await sql`
      with member as (
        select m.role from "ApiToken" t join "Membership" m on m."userId" = t."userId"
        where t."tokenHash" = ${hashToken(auth.slice(7))} and t."revokedAt" is null
          and (t."expiresAt" is null or t."expiresAt" > now())
          and m."organizationId" = ${organizationId}
      )
      select (select role from member) as role, page.* from (select 1) as one
      left join lateral (
        select c.id, c."organizationId", c.name, c.provider, c.region, c.orchestrator, c.status,
          c."statusReason", c."createdAt", c."updatedAt",
          (select count(*) from "Node" n where n."clusterId" = c.id)::int as "nodeCount",
          count(*) over ()::int as total
        from "Cluster" c where c."organizationId" = ${organizationId} and exists (select 1 from member)
        order by c."createdAt" desc limit ${limit} offset ${(page - 1) * limit}
      ) page on true`;
    if (!rows[0]?.role) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"error":{"code":"UNAUTHORIZED"}}');
      return;
    }
    const total = rows[0]?.total ?? 0;
    const data = rows
      .filter((row) => row.id !== null)
      .map(({ role: _, total: __, ...cluster }) => cluster);
    res
      .writeHead(200, { 'content-type': 'application/json', 'x-total-count': String(total) })
      .end(JSON.stringify({ result: { data } }));
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address?.port })}\n`,
  );
});
process.on('SIGTERM', () => {
  server.close();
  void sql.end().then(() => process.exit(0));
});
