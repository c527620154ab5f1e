import { connectionEnv } from '@flotilla/deploy/databases/engines';
import { managedDatabasePasswordContext } from '@flotilla/secrets';
import type { Meta } from '../../trpc.ts';
import { databaseProcedure } from './access.ts';
import { databaseCredentialsInput, databaseCredentialsOutput } from './credentials.schema.ts';
import { databaseOut } from './rows.ts';

export const meta = {
  summary: "The database's password and connection URLs (manage permission; every read is audited)",
  http: { method: 'GET' },
  input: databaseCredentialsInput,
  output: databaseCredentialsOutput,
  audit: true,
} satisfies Meta;

export const procedure = databaseProcedure('manage', databaseCredentialsInput)
  .meta(meta)
  .output(databaseCredentialsOutput)
  .query(async ({ ctx }) => {
    const database = ctx.database;
    const { passwordEncrypted } = await ctx.db.managedDatabase.findUniqueOrThrow({
      where: { id: database.id },
      select: { passwordEncrypted: true },
    });
    const password = ctx.sealer.open(
      passwordEncrypted,
      managedDatabasePasswordContext(database.id),
    );
    const shown = databaseOut(database);
    const names = {
      engine: database.engine,
      password,
      ...(database.connectionUser ? { user: database.connectionUser } : {}),
      ...(database.connectionDatabase ? { database: database.connectionDatabase } : {}),
    };
    const urlOf = (host: string, port: number) => {
      const env = connectionEnv({ ...names, host, port });
      return (env.DATABASE_URL ?? env.REDIS_URL) as string;
    };
    const env = connectionEnv({ ...names, host: shown.connectionHost, port: shown.connectionPort });
    ctx.audit.details = `Read the password of database ${database.name}`;
    return {
      engine: database.engine,
      user: database.connectionUser,
      database: database.connectionDatabase,
      password,
      internal: {
        host: shown.connectionHost,
        port: shown.connectionPort,
        url: urlOf(shown.connectionHost, shown.connectionPort),
      },
      public:
        shown.publicHost && shown.publishedPort
          ? {
              host: shown.publicHost,
              port: shown.publishedPort,
              url: urlOf(shown.publicHost, shown.publishedPort),
            }
          : null,
      env,
    };
  });
