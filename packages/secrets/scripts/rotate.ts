// pnpm secrets:rotate — re-seal every stored secret under FLOTILLA_MASTER_KEY.
//
//   1. every API and worker process: FLOTILLA_MASTER_KEY=<new>, FLOTILLA_MASTER_KEY_PREVIOUS=<old>
//      (they seal under the new key and still open the old envelopes), restarted;
//   2. this script, with the same two variables; safe to stop and run again;
//   3. once it reports nothing remaining, FLOTILLA_MASTER_KEY_PREVIOUS can go.
//
// Options: --batch-size N (rows per statement, default 200), --json (one JSON line on stdout).
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@flotilla/config';
import { createSql } from '@flotilla/db';
import { createSealer, rotateSecrets } from '../src/index.ts';

function fail(message: string): never {
  console.error(`secrets:rotate: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: { 'batch-size': { type: 'string', default: '200' }, json: { type: 'boolean' } },
});
const batchSize = Number(values['batch-size']);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
  fail('--batch-size must be a whole number from 1 to 10000');
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
if (config.masterKeyIsDevelopmentDefault) {
  fail(
    'FLOTILLA_MASTER_KEY is not set: set it to the new key (`openssl rand -base64 32`) and ' +
      'FLOTILLA_MASTER_KEY_PREVIOUS to the old one (`development` if there was none).',
  );
}

const sealer = createSealer(config.masterKey, { previousKeys: config.previousMasterKeys });
// Its own name, so an operator (or a test) can find this connection in pg_stat_activity.
const sql = createSql(config.DATABASE_URL, {
  max: 1,
  connection: { application_name: 'flotilla-secrets-rotate' },
});
const log = (line: string) => (values.json ? console.error(line) : console.log(line));

log(`re-sealing under master key ${sealer.keyId}, ${batchSize} rows at a time`);
try {
  const counts = await rotateSecrets({
    sql,
    sealer,
    batchSize,
    onBatch: (kind, resealed) => log(`  ${kind}: ${resealed} re-sealed`),
  });
  if (values.json) {
    console.log(JSON.stringify(counts));
  } else {
    for (const count of counts) {
      console.log(
        `${count.kind}: ${count.resealed} re-sealed, ${count.alreadyCurrent} already under the new key` +
          (count.changedMeanwhile ? `, ${count.changedMeanwhile} written meanwhile` : '') +
          (count.remaining ? `, ${count.remaining} remaining` : ''),
      );
      for (const { id, reason } of count.failed) console.log(`  ${id}: ${reason}`);
    }
  }
  const remaining = counts.reduce((sum, count) => sum + count.remaining, 0);
  if (remaining > 0) {
    console.error(
      `secrets:rotate: ${remaining} secrets are not under the new key yet; keep ` +
        'FLOTILLA_MASTER_KEY_PREVIOUS until a run reports none (rows that no key opens are listed).',
    );
    process.exitCode = 1;
  }
} finally {
  await sql.end();
}
