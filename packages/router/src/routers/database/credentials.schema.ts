import { z } from 'zod';
import { databaseRef } from './schema.ts';

export const databaseCredentialsInput = databaseRef;

const endpoint = z.object({
  host: z.string(),
  port: z.number().int(),
  /** `postgresql://…` or `redis://…`, the password in it. */
  url: z.string(),
});

export const databaseCredentialsOutput = z.object({
  engine: z.enum(['postgres', 'redis']),
  /** Postgres: the role and database; Redis: null. */
  user: z.string().nullable(),
  database: z.string().nullable(),
  password: z.string(),
  /** Inside the cluster, as bound apps reach it (the service name on its network). */
  internal: endpoint,
  /** The pinned node's address and the published port, when one was asked for. */
  public: endpoint.nullable(),
  /** Exactly what a bound app receives in its env. */
  env: z.record(z.string(), z.string()),
});
