// Migrations without Prisma's native binaries: the official WebAssembly build of Prisma's schema
// engine (@prisma/schema-engine-wasm, same version as `prisma`) driven through the pg adapter.
// It applies prisma/migrations exactly as `prisma migrate deploy` would, recording each one in
// `_prisma_migrations`, so either tool can be used against the same database.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm';
import pg from 'pg';
import postgres from 'postgres';
import { migrationsDir, schemaPath } from './paths.ts';

const noFilter: SchemaFilter = { externalTables: [], externalEnums: [] };

type EngineModule = { SchemaEngine: typeof SchemaEngine };
// The WebAssembly global exists in Node; its types live in lib.dom, which this project omits.
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(
        bytes: Buffer,
        imports: object,
      ): Promise<{ instance: { exports: Record<string, unknown> } }>;
    };
  }
).WebAssembly;
let engineModule: Promise<EngineModule> | undefined;

// The package's entry imports the .wasm file directly, which Node's ESM loader rejects, so the
// bindings are loaded and instantiated by hand.
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const bgPath = createRequire(import.meta.url).resolve(
      '@prisma/schema-engine-wasm/schema_engine_bg',
    );
    const bg = await import(pathToFileURL(bgPath).href);
    const bytes = await readFile(join(dirname(bgPath), 'schema_engine_bg.wasm'));
    const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': bg });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg as EngineModule;
  })();
  return engineModule;
}

async function readSchema(): Promise<[string, string]> {
  return [schemaPath, await readFile(schemaPath, 'utf8')];
}

async function withEngine<T>(url: string, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  const pool = introspectablePool(url);
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
  const logs: string[] = [];
  const engine = await SchemaEngine.new(
    { datamodels: [await readSchema()] },
    (line: string) => logs.push(line),
    adapter,
  );
  try {
    return await fn(engine);
  } catch (error) {
    throw new Error(
      `schema engine: ${describe(error)}${logs.length ? `\n${logs.join('\n')}` : ''}`,
    );
  } finally {
    engine.free();
    // Closing the pool also releases the migration advisory lock the engine's session holds;
    // left open, the next run would wait out the engine's 10 s lock timeout.
    await pool.end();
  }
}

// Postgres' internal one-byte `"char"` type (pg_class.relkind and friends, read when the engine
// describes a live schema) is missing from adapter-pg's type table; it arrives as plain text, so
// report it as text.
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

function introspectablePool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  Object.assign(pool, {
    query: async (config: pg.QueryConfig) => {
      const result = await query(config);
      for (const field of result.fields) {
        if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
      }
      return result;
    },
  });
  return pool;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error && 'message' in error) return String(error.message);
  return JSON.stringify(error);
}

export async function readMigrations(dir = migrationsDir): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const folders = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const lockPath = join(dir, 'migration_lock.toml');
  return {
    baseDir: dir,
    lockfile: {
      path: 'migration_lock.toml',
      content: await readFile(lockPath, 'utf8').catch(() => null),
    },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      folders.map(async (path) => {
        const content = await readFile(join(dir, path, 'migration.sql'), 'utf8')
          .then((value) => ({ tag: 'ok' as const, value }))
          .catch((error: Error) => ({ tag: 'error' as const, value: error.message }));
        return { path, migrationFile: { path: 'migration.sql', content } };
      }),
    ),
  };
}

/** Creates the database named in `url` when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length > 0) return false;
    await sql.unsafe(`create database ${quoteIdent(name)}`).catch((error: { code?: string }) => {
      if (error.code !== '42P04') throw error; // created concurrently by another process
    });
    return true;
  } finally {
    await sql.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Applies every migration not yet applied; returns the names it applied (none on a re-run). */
export async function applyMigrations(url: string, dir = migrationsDir): Promise<string[]> {
  const migrationsList = await readMigrations(dir);
  return withEngine(url, async (engine) => {
    const result = await engine.applyMigrations({ migrationsList, filters: noFilter });
    return result.appliedMigrationNames;
  });
}

/**
 * SQL that turns the database at `url` into what schema.prisma describes ('' when they match).
 * Used by the drift test and, against a scratch database holding the existing migrations, to
 * write the next migration.
 */
export async function diffDatabaseToSchema(url: string): Promise<string> {
  const [path, content] = await readSchema();
  return withEngine(url, async (engine) => {
    const result = await engine.diff({
      from: { tag: 'schemaDatasource', files: [{ path, content }], configDir: dirname(path) },
      to: { tag: 'schemaDatamodel', files: [{ path, content }] },
      script: true,
      exitCode: null,
      filters: noFilter,
    });
    return normalizeScript(result.stdout ?? '');
  });
}

// An empty diff prints only a comment line.
function normalizeScript(script: string): string {
  const meaningful = script
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('--'));
  return meaningful.length === 0 ? '' : `${script.trim()}\n`;
}
