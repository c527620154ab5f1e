// The benchmark's data set: one organization with `clusters` clusters of 3 nodes each, a user
// who owns it and an API token. Written with plain SQL so seeding 1,000 clusters takes a second.
import { newId } from '@flotilla/db';
import { generateToken, hashPassword, hashToken } from '@flotilla/secrets';
import postgres from 'postgres';

export interface Seeded {
  organizationId: string;
  userId: string;
  token: string;
}

export async function seed(databaseUrl: string, clusters: number): Promise<Seeded> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const organizationId = newId('org');
    const userId = newId('usr');
    const token = generateToken('flt');
    const now = new Date();
    await sql`insert into "Organization" (id, name, slug, "updatedAt")
      values (${organizationId}, 'Bench', ${organizationId}, ${now})`;
    await sql`insert into "User" (id, email, name, "passwordHash", "updatedAt")
      values (${userId}, ${`${userId}@bench.test`}, 'Bench', ${await hashPassword('bench-password')}, ${now})`;
    await sql`insert into "Membership" (id, "organizationId", "userId", role)
      values (${newId('mem')}, ${organizationId}, ${userId}, 'owner')`;
    await sql`insert into "ApiToken" (id, "userId", kind, name, "tokenHash", prefix)
      values (${newId('tok')}, ${userId}, 'api', 'bench', ${hashToken(token)}, ${token.slice(0, 8)})`;
    const regions = ['nyc1', 'fra1', 'sgp1', 'ams3'];
    for (let start = 0; start < clusters; start += 250) {
      const batch = Array.from({ length: Math.min(250, clusters - start) }, (_, i) => {
        const n = start + i;
        return {
          id: newId('cls'),
          organizationId,
          name: `cluster-${String(n).padStart(4, '0')}`,
          provider: 'digitalocean',
          region: regions[n % regions.length] as string,
          orchestrator: n % 2 ? 'kubernetes' : 'swarm',
          status: 'running',
          createdAt: new Date(now.getTime() - (clusters - n) * 1000),
          updatedAt: now,
        };
      });
      await sql`insert into "Cluster" ${sql(batch)}`;
      const nodes = batch.flatMap((cluster) =>
        [0, 1, 2].map((ordinal) => ({
          id: newId('node'),
          clusterId: cluster.id,
          name: `${cluster.name}-${ordinal}`,
          role: ordinal === 0 ? 'manager' : 'worker',
          plan: 'small',
          status: 'running',
          ordinal,
          // Loopback: nothing in a bench run may target another address, even by mistake.
          address: `127.0.2.${ordinal + 1}`,
          updatedAt: now,
        })),
      );
      await sql`insert into "Node" ${sql(nodes)}`;
    }
    return { organizationId, userId, token };
  } finally {
    await sql.end();
  }
}
