import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const schemaPath = join(repoRoot, 'prisma/schema.prisma');
export const migrationsDir = join(repoRoot, 'prisma/migrations');
