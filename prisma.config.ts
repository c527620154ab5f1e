// Read by the Prisma CLI (`prisma generate`, and `prisma migrate deploy` on machines that have
// the native engines). Flotilla's own `pnpm db:migrate` applies the same folder without them.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/flotilla' },
});
