// `prisma generate` without Prisma's native binaries: the CLI only checks that a schema engine
// file exists (generation never runs it), so point it at this script.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../src/paths.ts';

const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const args = [prismaCli, 'generate', '--schema', 'prisma/schema.prisma'];
const result = spawnSync(process.execPath, args, {
  cwd: repoRoot,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: fileURLToPath(import.meta.url),
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
process.exit(result.status ?? 1);
