// Where dumps are kept: a directory by default (an S3-compatible bucket can implement the same
// interface). A dump is written under a temporary name and renamed once its stream ended
// without error, so a failed or cut-off dump never appears as a backup.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FlotillaError } from '@flotilla/errors';

export interface StoredBackup {
  /** "<database id>/<time>.dump" */
  key: string;
  bytes: number;
  /** Hex SHA-256 of the content (given by `put`; computed on the way in). */
  sha256?: string;
  createdAt: Date;
}

export interface BackupStore {
  put(key: string, content: Readable): Promise<StoredBackup & { sha256: string }>;
  /** The content as a stream; `notFound` when there is no such backup. */
  get(key: string): Promise<Readable>;
  /** Backups whose key starts with `prefix`, oldest first. */
  list(prefix?: string): Promise<StoredBackup[]>;
  remove(key: string): Promise<boolean>;
}

const keyPattern = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;

function checkKey(key: string): string {
  if (!keyPattern.test(key) || key.length > 512 || key.split('/').includes('..')) {
    throw new FlotillaError('invalid', `key: "${key}" is not a backup key`);
  }
  return key;
}

export function createDirectoryBackupStore(root: string): BackupStore {
  const pathOf = (key: string) => join(root, ...checkKey(key).split('/'));

  return {
    async put(key, content) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const partial = `${path}.partial-${randomBytes(4).toString('hex')}`;
      const hash = createHash('sha256');
      let bytes = 0;
      const measure = new PassThrough();
      measure.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      try {
        await pipeline(content, measure, createWriteStream(partial, { mode: 0o600 }));
        await rename(partial, path);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
      return { key, bytes, sha256: hash.digest('hex'), createdAt: new Date() };
    },

    async get(key) {
      const path = pathOf(key);
      if (!(await stat(path).catch(() => null))?.isFile()) {
        throw new FlotillaError('notFound', `no backup ${key}`);
      }
      return createReadStream(path);
    },

    async list(prefix = '') {
      const found: StoredBackup[] = [];
      const walk = async (dir: string) => {
        for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) await walk(path);
          else if (entry.isFile() && !entry.name.includes('.partial-')) {
            const key = relative(root, path).split(sep).join('/');
            if (!key.startsWith(prefix)) continue;
            const info = await stat(path);
            found.push({ key, bytes: info.size, createdAt: info.mtime });
          }
        }
      };
      await walk(root);
      return found.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },

    async remove(key) {
      const path = pathOf(key);
      if (!(await stat(path).catch(() => null))) return false;
      await rm(path, { force: true });
      return true;
    },
  };
}
