import type { CloudClient, CreateServerInput, Server } from './client.ts';

export interface ObtainServerInput extends Omit<CreateServerInput, 'sshKeyRef'> {
  /** The cluster's SSH key; registered with the provider once (found by fingerprint or name). */
  sshKey: { name: string; publicKey: string };
}

/**
 * What a provisioning job needs in one call: the node's machine, running, with its public
 * address. Safe to repeat after any failure or a killed worker: the key is found rather than
 * added twice, the machine is found by its node tag rather than created twice.
 * `onCreated` fires as soon as the provider has given the machine an id, before the wait, so the
 * caller can record the id (and the sweeper can tell the machine is accounted for).
 */
export async function obtainServer(
  client: CloudClient,
  input: ObtainServerInput,
  options: { timeoutMs: number; onCreated?: (server: Server) => Promise<void> | void },
): Promise<Server> {
  const { sshKey, ...rest } = input;
  const sshKeyRef = await client.ensureSshKey(sshKey.name, sshKey.publicKey, input.region);
  const created = await client.createServer({ ...rest, sshKeyRef });
  await options.onCreated?.(created);
  return client.waitForServer(created.id, { timeoutMs: options.timeoutMs });
}
