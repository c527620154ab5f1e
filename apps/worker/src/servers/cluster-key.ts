// A cloud cluster's SSH key. The user's own servers come with the key they chose; for machines
// Flotilla creates, the worker makes one key per cluster, stores it like any SSH key of the
// organization (private half sealed) so the user can reach their machines with it too, and
// hands its public half to the provider.
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { newId } from '@flotilla/db';
import { sshKeyContext } from '@flotilla/secrets';
import type { ClusterRecord } from '../cluster-record.ts';
import type { Engine } from '../engine.ts';

/** The name of the key the worker made for a cluster; deleteCluster removes it again. */
export const clusterKeyName = (clusterId: string) => `flotilla-cluster-${clusterId}`;

function sshString(value: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return Buffer.concat([length, value]);
}

/**
 * ECDSA P-256: Node writes its private key as SEC1 PEM, which ssh2 reads, and its OpenSSH
 * public form is three length-prefixed fields (RFC 5656), so no extra dependency is needed.
 */
export function generateClusterKey(comment: string) {
  const pair = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'sec1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const jwk = createPublicKey(pair.publicKey).export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? '', 'base64url'),
    Buffer.from(jwk.y ?? '', 'base64url'),
  ]);
  const blob = Buffer.concat([
    sshString(Buffer.from('ecdsa-sha2-nistp256')),
    sshString(Buffer.from('nistp256')),
    sshString(point),
  ]);
  const digest = createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
  return {
    privateKey: pair.privateKey,
    publicKey: `ecdsa-sha2-nistp256 ${blob.toString('base64')} ${comment}`,
    fingerprint: `SHA256:${digest}`,
  };
}

/**
 * Gives the cluster a key if it has none (cloud clusters on their first job). The cluster row
 * is locked, so two jobs starting at once agree on one key. Returns the cluster as it is now.
 */
export async function ensureClusterKey(
  engine: Engine,
  cluster: ClusterRecord,
): Promise<ClusterRecord> {
  if (cluster.sshKey) return cluster;
  const sshKey = await engine.db.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ sshKeyId: string | null }[]>`
      select "sshKeyId" from "Cluster" where id = ${cluster.id} for update`;
    if (row?.sshKeyId) {
      return tx.sshKey.findUniqueOrThrow({
        where: { id: row.sshKeyId },
        select: { id: true, publicKey: true, privateKeyEncrypted: true },
      });
    }
    const id = newId('key');
    const key = generateClusterKey(clusterKeyName(cluster.id));
    const created = await tx.sshKey.create({
      data: {
        id,
        organizationId: cluster.organizationId,
        name: clusterKeyName(cluster.id),
        publicKey: key.publicKey,
        fingerprint: key.fingerprint,
        privateKeyEncrypted: engine.sealer.seal(key.privateKey, sshKeyContext(id)),
      },
      select: { id: true, publicKey: true, privateKeyEncrypted: true },
    });
    await tx.cluster.update({ where: { id: cluster.id }, data: { sshKeyId: id } });
    return created;
  });
  return { ...cluster, sshKeyId: sshKey.id, sshKey };
}
