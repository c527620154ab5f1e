import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  diffDatabaseToSchema,
  ensureDatabase,
  readMigrations,
} from './migrate.ts';
import { migrationsDir } from './paths.ts';
import { withScratchDatabase } from './testing.ts';

const server = process.env.TEST_DATABASE_SERVER ?? 'postgresql://root@127.0.0.1:5432/postgres';

async function tables(url: string): Promise<string[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' order by 1`;
    return rows.map((row) => row.table_name);
  } finally {
    await sql.end();
  }
}

describe('migrations', () => {
  it('create exactly what schema.prisma describes (no drift)', async () => {
    await withScratchDatabase(server, async (url) => {
      await applyMigrations(url);
      expect(await diffDatabaseToSchema(url)).toBe('');
    });
  });

  it('apply once: a second run on the same database applies nothing', async () => {
    await withScratchDatabase(server, async (url) => {
      const first = await applyMigrations(url);
      expect(first.length).toBe((await readMigrations()).migrationDirectories.length);
      const before = await tables(url);
      expect(before).toContain('Cluster');
      expect(await applyMigrations(url)).toEqual([]);
      expect(await tables(url)).toEqual(before);
    });
  });

  it('detect a migration edited by hand', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'flotilla-migrations-'));
    await cp(migrationsDir, copy, { recursive: true });
    const [first] = (await readMigrations(copy)).migrationDirectories;
    const file = join(copy, first!.path, 'migration.sql');
    // Drop an index the schema asks for, as a careless hand edit would.
    const edited = (await readFile(file, 'utf8')).replace(
      /CREATE INDEX "Node_providerServerId_idx"[^;]*;/,
      '',
    );
    await writeFile(file, edited);
    await withScratchDatabase(server, async (url) => {
      await applyMigrations(url, copy);
      expect(await diffDatabaseToSchema(url)).toContain('Node_providerServerId_idx');
    });
  });

  it('creates a missing database and leaves an existing one alone', async () => {
    const name = `flotilla_ensure_${Date.now()}`;
    const url = new URL(server);
    url.pathname = `/${name}`;
    expect(await ensureDatabase(url.toString())).toBe(true);
    expect(await ensureDatabase(url.toString())).toBe(false);
    const sql = postgres(server, { max: 1, onnotice: () => {} });
    await sql.unsafe(`drop database "${name}"`);
    await sql.end();
  });
});

afterAll(() => {});
