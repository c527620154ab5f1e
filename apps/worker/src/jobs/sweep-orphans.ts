// sweepOrphans (repeatable): every machine carrying Flotilla's tag in any connected cloud
// account must belong to a node that still exists; the rest (a job that died between creating
// a machine and recording it, a teardown cut short) are deleted and logged. Node rows exist
// before their machines and go after them, so a machine being provisioned is never taken.

import { errorMessage } from '@flotilla/errors';
import { appendLog } from '@flotilla/lifecycle';
import { openProviderCredentials, sweepOrphans as sweep } from '@flotilla/providers';
import type { Engine } from '../engine.ts';
import { clientFor, isCloud } from '../servers/cloud.ts';

export async function sweepOrphans(engine: Engine): Promise<void> {
  const credentials = await engine.db.providerCredential.findMany();
  for (const row of credentials) {
    if (!isCloud(row.provider)) continue;
    let client: ReturnType<typeof clientFor>;
    try {
      client = clientFor(
        engine,
        openProviderCredentials(engine.sealer, row.id, row.provider, row.secretEncrypted),
      );
    } catch (error) {
      engine.log.warn(
        { credentialId: row.id, err: error },
        'orphan sweep: credentials do not open; skipped',
      );
      continue;
    }
    try {
      const deleted = await sweep(client, {
        keep: async (server) => (await engine.db.node.count({ where: { id: server.nodeId } })) > 0,
        log: engine.log,
      });
      for (const server of deleted) {
        if (!server.clusterId) continue;
        const exists = await engine.db.cluster.count({ where: { id: server.clusterId } });
        if (exists) {
          await appendLog(engine.db, {
            clusterId: server.clusterId,
            step: 'server.orphan',
            level: 'warn',
            message: `deleted ${row.provider} machine ${server.id} (${server.name}): it belonged to no node`,
          });
        }
      }
    } catch (error) {
      engine.log.warn(
        { credentialId: row.id, err: error },
        `orphan sweep failed: ${errorMessage(error)}`,
      );
    }
  }
}
