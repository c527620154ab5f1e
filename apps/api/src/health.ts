import type { Sql } from '@flotilla/db';
import type { Redis } from 'ioredis';
import { version } from './version.ts';

type Check = { status: 'up' } | { status: 'down'; error: string };

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  version: string;
  checks: { database: Check; redis: Check };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function check(probe: () => Promise<unknown>): Promise<Check> {
  try {
    await withTimeout(probe(), 2_000);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) };
  }
}

/** `GET /health`: 200 when Postgres and Redis both answer, 503 naming the part that does not. */
export async function health(sql: Sql, redis: Redis): Promise<HealthReport> {
  const [database, redisCheck] = await Promise.all([
    check(() => sql`select 1`),
    check(() => redis.ping()),
  ]);
  const healthy = database.status === 'up' && redisCheck.status === 'up';
  return {
    status: healthy ? 'healthy' : 'unhealthy',
    version,
    checks: { database, redis: redisCheck },
  };
}
