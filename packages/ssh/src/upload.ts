// Files to the server over SFTP, mode set even when the file already existed.
import { readFile } from 'node:fs/promises';
import type { SFTPWrapper } from 'ssh2';
import { type Connection, channelFailure } from './connection.ts';

function sftp(connection: Connection): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    connection.client.sftp((error, wrapper) =>
      error ? reject(channelFailure(connection, error)) : resolve(wrapper),
    );
  });
}

/** Writes a local file (path) or bytes (Buffer) to remotePath, then sets its mode. */
export async function uploadFile(
  connection: Connection,
  source: string | Buffer,
  remotePath: string,
  mode: number,
): Promise<void> {
  const data = typeof source === 'string' ? await readFile(source) : source;
  const wrapper = await sftp(connection);
  try {
    await new Promise<void>((resolve, reject) => {
      wrapper.writeFile(remotePath, data, { mode }, (error) => (error ? reject(error) : resolve()));
    });
    // writeFile's mode applies only when the file is created; an existing file keeps its own.
    await new Promise<void>((resolve, reject) => {
      wrapper.chmod(remotePath, mode, (error) => (error ? reject(error) : resolve()));
    });
  } finally {
    wrapper.end();
  }
}
