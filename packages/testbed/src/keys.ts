// SSH key pairs for tests and the CLI, in the formats the ssh2 client and authorized_keys use.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk } from './command.ts';

export interface KeyPair {
  /** "-----BEGIN OPENSSH PRIVATE KEY-----…" */
  privateKey: string;
  /** "ssh-ed25519 AAAA… comment" */
  publicKey: string;
}

export async function generateKeyPair(comment = 'flotilla-testbed'): Promise<KeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-key-'));
  try {
    const path = join(dir, 'id_ed25519');
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
    return {
      privateKey: await readFile(path, 'utf8'),
      publicKey: (await readFile(`${path}.pub`, 'utf8')).trim(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
