export { createDb, type Db } from './client.ts';
export * from './generated/prisma/client.ts';
export { newId } from './ids.ts';
export { createSql, type Sql } from './sql.ts';
export { isDatabaseUnavailable } from './unavailable.ts';
