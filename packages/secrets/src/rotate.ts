// Master key rotation: every sealed column (sealed-columns.ts) is read in batches, each envelope
// not yet under the current key is opened (with whichever key it names) and sealed again, and a
// batch is written in one statement that changes a row only if it still holds what was read.
// Killed at any point, the database holds old or new envelopes, each complete; a re-run skips
// the new ones (`v2.<current keyId>.` in SQL, so they are not even read).
import type { Sql } from '@flotilla/db';
import { errorMessage } from '@flotilla/errors';
import type { Sealer } from './seal.ts';
import { type SealedColumn, sealedColumns } from './sealed-columns.ts';

export interface RotationCount {
  kind: string;
  /** Re-sealed under the current key by this run. */
  resealed: number;
  /** Under the current key before this run looked (an earlier, interrupted run; new writes). */
  alreadyCurrent: number;
  /** Put under the current key by another writer while this run went (new or changed rows). */
  changedMeanwhile: number;
  /** Still not under the current key when the run ended: the failed rows, or a busy writer. */
  remaining: number;
  /** Rows whose envelope no configured key opens: ids only, never the values. */
  failed: { id: string; reason: string }[];
}

export interface RotateOptions {
  sql: Sql;
  /** The current key, and the previous ones to open what they sealed. */
  sealer: Sealer;
  columns?: readonly SealedColumn[];
  batchSize?: number;
  /** Called after each batch is written, with how many rows it re-sealed. */
  onBatch?: (kind: string, resealed: number) => void;
}

// Rows changed by another writer while a pass ran are read again by the next pass; a writer
// still sealing under an old key (a process not yet restarted with the new one) would keep
// that going, so the passes are bounded and what is left is reported, not looped on.
const maxPasses = 5;

export async function rotateSecrets({
  sql,
  sealer,
  columns = sealedColumns,
  batchSize = 200,
  onBatch,
}: RotateOptions): Promise<RotationCount[]> {
  const current = `v2.${sealer.keyId}.%`;
  const counts: RotationCount[] = [];
  for (const column of columns) {
    const table = sql(column.table);
    const id = sql(column.idColumn);
    const value = sql(column.column);
    const tally = async () => {
      const [row] = await sql<{ current: number; other: number }[]>`
        select count(*) filter (where ${value} like ${current})::int as current,
               count(*) filter (where ${value} not like ${current})::int as other
        from ${table}`;
      return row ?? { current: 0, other: 0 };
    };
    const start = await tally();
    let resealedCount = 0;
    const failed = new Map<string, string>();
    for (let pass = 0; pass < maxPasses; pass++) {
      let after = '';
      let missed = 0;
      for (;;) {
        const rows = await sql<{ id: string; sealed: string }[]>`
          select ${id} as id, ${value} as sealed from ${table}
          where ${value} is not null and ${value} not like ${current} and ${id} > ${after}
          order by ${id} limit ${batchSize}`;
        const last = rows.at(-1);
        if (!last) break;
        after = last.id;
        const ids: string[] = [];
        const before: string[] = [];
        const resealed: string[] = [];
        for (const row of rows) {
          try {
            const context = column.context(row.id);
            const plaintext = sealer.open(row.sealed, context);
            ids.push(row.id);
            before.push(row.sealed);
            resealed.push(sealer.seal(plaintext, context));
          } catch (error) {
            failed.set(row.id, errorMessage(error));
          }
        }
        if (ids.length === 0) continue;
        const written = await sql`
          update ${table} as t set ${value} = v.sealed
          from unnest(${ids}::text[], ${before}::text[], ${resealed}::text[]) as v(id, before, sealed)
          where t.${id} = v.id and t.${value} = v.before`;
        resealedCount += written.count;
        missed += ids.length - written.count;
        onBatch?.(column.kind, written.count);
      }
      if (missed === 0) break;
    }
    const end = await tally();
    counts.push({
      kind: column.kind,
      resealed: resealedCount,
      alreadyCurrent: start.current,
      changedMeanwhile: end.current - start.current - resealedCount,
      remaining: end.other,
      failed: [...failed].map(([rowId, reason]) => ({ id: rowId, reason })),
    });
  }
  return counts;
}
