// Prisma's record-level answers, recognised in one place instead of `code === 'P2002'` casts in
// every handler. Prisma's documented codes: P2002 unique constraint, P2003 foreign key, P2025 a
// record an operation depends on was not found.

function prismaCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** A unique constraint refused the write (a name or key that exists already). */
export function isUniqueViolation(error: unknown): boolean {
  return prismaCode(error) === 'P2002';
}

/** A foreign key refused the write (it refers to a row that is gone, or a row is still used). */
export function isForeignKeyViolation(error: unknown): boolean {
  return prismaCode(error) === 'P2003';
}

/** The row the write needed was not there (removed meanwhile). */
export function isRecordMissing(error: unknown): boolean {
  return prismaCode(error) === 'P2025';
}
