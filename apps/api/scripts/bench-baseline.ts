// The yardstick for bench-cluster-all: a bare node:http server answering the same page of
// `GET /api/cluster.all` with the same token check, one hand-written postgres.js query each,
// no framework, no validation. (Same as the repository benchmark's baseline.)
import { createServer } from 'node:http';
import { hashToken } from '@flotilla/secrets';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL as string, { max: 10, onnotice: () => {} });

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/health') return void res.end('ok');
    const auth = req.headers.authorization ?? '';
    const organizationId = url.searchParams.get('organizationId') ?? '';
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 20), 100);
    const page = Math.max(Number(url.searchParams.get('page') ?? 1), 1);
    const [member] = await sql`
      select m.role from "ApiToken" t join "Membership" m on m."userId" = t."userId"
      where t."tokenHash" = ${hashToken(auth.slice(7))} and t."revokedAt" is null
        and (t."expiresAt" is null or t."expiresAt" > now()) and m."organizationId" = ${organizationId}`;
    if (!member) return void res.writeHead(401).end('{"error":{"code":"UNAUTHORIZED"}}');
    const rows = await sql`
      select c.id, c."organizationId", c.name, c.provider, c.region, c.orchestrator, c.status,
        c."statusReason", c."createdAt", c."updatedAt",
        (select count(*) from "Node" n where n."clusterId" = c.id)::int as "nodeCount",
        count(*) over ()::int as total
      from "Cluster" c where c."organizationId" = ${organizationId}
      order by c."createdAt" desc limit ${limit} offset ${(page - 1) * limit}`;
    const total = rows[0]?.total ?? 0;
    const data = rows.map(({ total: _, ...cluster }) => cluster);
    res
      .writeHead(200, { 'content-type': 'application/json', 'x-total-count': String(total) })
      .end(JSON.stringify({ result: { data } }));
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});

server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  void sql.end().then(() => process.exit(0));
});
