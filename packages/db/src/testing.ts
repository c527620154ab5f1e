// Databases for tests: each suite gets its own database, copied from a migrated template (a
// copy takes milliseconds; running the migrations takes seconds). Several test runs can share
// one Postgres server at once.
import { createHash, randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { applyMigrations, quoteIdent, readMigrations } from './migrate.ts';

const defaultServer = 'postgresql://root@127.0.0.1:5432/postgres';

function databaseUrl(server: string, name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

function admin(server: string) {
  return postgres(databaseUrl(server, 'postgres'), {
    max: 1,
    onnotice: () => {},
    connect_timeout: 5,
  });
}

async function dropDatabase(server: string, name: string): Promise<void> {
  const sql = admin(server);
  try {
    await sql.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await sql.end();
  }
}

/** Runs `fn` against a new empty database and drops it afterwards. */
export async function withScratchDatabase<T>(
  server: string,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  const name = `flotilla_scratch_${randomBytes(6).toString('hex')}`;
  const sql = admin(server);
  await sql.unsafe(`create database ${quoteIdent(name)}`).finally(() => sql.end());
  try {
    return await fn(databaseUrl(server, name));
  } finally {
    await dropDatabase(server, name);
  }
}

async function migrationsHash(): Promise<string> {
  const list = await readMigrations();
  const hash = createHash('sha256');
  for (const dir of list.migrationDirectories) {
    hash.update(dir.path);
    hash.update(dir.migrationFile.content.value);
  }
  return hash.digest('hex').slice(0, 16);
}

async function ensureTemplate(server: string): Promise<string> {
  const template = `flotilla_tpl_${await migrationsHash()}`;
  const sql = admin(server);
  try {
    await sql`select pg_advisory_lock(hashtext(${template}))`;
    const [existing] = await sql`select 1 from pg_database where datname = ${template}`;
    if (!existing) {
      const building = `${template}_${randomBytes(4).toString('hex')}`;
      await sql.unsafe(`create database ${quoteIdent(building)}`);
      await applyMigrations(databaseUrl(server, building));
      await sql.unsafe(`alter database ${quoteIdent(building)} rename to ${quoteIdent(template)}`);
    }
    await sql`select pg_advisory_unlock(hashtext(${template}))`;
  } finally {
    await sql.end();
  }
  return template;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, fully migrated database of its own. */
export async function createTestDatabase(
  server = process.env.TEST_DATABASE_SERVER ?? defaultServer,
): Promise<TestDatabase> {
  const template = await ensureTemplate(server);
  const name = `flotilla_t_${randomBytes(6).toString('hex')}`;
  const sql = admin(server);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await sql.unsafe(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`);
        break;
      } catch (error) {
        // 55006: the template is briefly in use by a concurrent copy; try again.
        if ((error as { code?: string }).code !== '55006' || attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await sql.end();
  }
  return { url: databaseUrl(server, name), name, drop: () => dropDatabase(server, name) };
}
