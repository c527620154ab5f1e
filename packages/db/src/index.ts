export { createDb, type Db } from './client.ts';
export * from './generated/prisma/client.ts';
export { newId } from './ids.ts';
export { isForeignKeyViolation, isRecordMissing, isUniqueViolation } from './record-errors.ts';
export { createSql, type Sql } from './sql.ts';
export { isDatabaseUnavailable } from './unavailable.ts';
