// pnpm db:migrate — create the database if missing, then apply every pending migration.
import { loadConfig } from '@flotilla/config';
import { applyMigrations, ensureDatabase } from '../src/migrate.ts';

const { DATABASE_URL } = loadConfig();
const created = await ensureDatabase(DATABASE_URL);
if (created) console.log(`created database ${new URL(DATABASE_URL).pathname.slice(1)}`);
const applied = await applyMigrations(DATABASE_URL);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
