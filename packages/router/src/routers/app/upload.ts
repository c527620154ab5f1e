// Storing an uploaded source tarball where a worker on any machine can read it: in Postgres, in
// 1 MiB chunks written as they arrive (never the whole upload in memory). Only tar and gzipped
// tar are taken, recognised by their magic bytes, not by what the client calls them.
import { createHash } from 'node:crypto';
import { constants, gunzipSync } from 'node:zlib';
import { newId } from '@flotilla/db';
import { TRPCError } from '@trpc/server';
import { fieldError } from '../../errors.ts';
import type { AuthedContext } from '../../trpc.ts';

const chunkBytes = 1024 * 1024;
/** The POSIX (and GNU) tar magic sits at byte 257 of the first header. */
const tarMagicAt = 257;

function isTar(header: Buffer): boolean {
  return header.subarray(tarMagicAt, tarMagicAt + 5).toString('latin1') === 'ustar';
}

/** "tar", "tar.gz", or null for anything else (checked on the first 512+ bytes). */
export function archiveFormat(head: Buffer): 'tar' | 'tar.gz' | null {
  if (head[0] === 0x1f && head[1] === 0x8b) {
    try {
      // A prefix of the stream inflates as far as it goes with a sync flush.
      const inflated = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
      return inflated.length >= 512 && isTar(inflated) ? 'tar.gz' : null;
    } catch {
      return null;
    }
  }
  return head.length >= 512 && isTar(head) ? 'tar' : null;
}

export interface StoredUpload {
  id: string;
  format: 'tar' | 'tar.gz';
  sizeBytes: number;
  sha256: string;
}

const notAnArchive = () =>
  fieldError('file', 'is not a tar or tar.gz archive (checked by its first bytes)');

/**
 * Streams `source` into a SourceUpload row and its chunks; refuses (and deletes what it stored)
 * an upload that is not a tarball or is over `ctx.uploadMaxBytes`.
 */
export async function storeUpload(
  ctx: AuthedContext,
  appId: string,
  source: AsyncIterable<Uint8Array>,
): Promise<StoredUpload> {
  const id = newId('upl');
  const hash = createHash('sha256');
  const max = ctx.uploadMaxBytes;
  let size = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let format: 'tar' | 'tar.gz' | null = null;
  let created = false;
  // Gzip headers are small, but a tar's magic needs 262 bytes and gzip's deflate a bit more.
  const sniffBytes = 64 * 1024;

  const flush = async (all: boolean) => {
    while (pendingBytes >= chunkBytes || (all && pendingBytes > 0)) {
      const joined = Buffer.concat(pending);
      const piece = joined.subarray(0, Math.min(chunkBytes, joined.length));
      const rest = joined.subarray(piece.length);
      pending = rest.length ? [rest] : [];
      pendingBytes = rest.length;
      if (!created) {
        await ctx.db.sourceUpload.create({
          data: {
            id,
            appId,
            format: format as string,
            sizeBytes: 0,
            sha256: '',
            createdById: ctx.principal.userId,
          },
        });
        created = true;
      }
      await ctx.db.sourceUploadChunk.create({
        data: { uploadId: id, seq: seq++, data: new Uint8Array(piece) },
      });
    }
  };

  try {
    try {
      for await (const part of source) {
        const chunk = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
        size += chunk.length;
        if (size > max) {
          throw new TRPCError({
            code: 'PAYLOAD_TOO_LARGE',
            message: `The upload exceeds ${max} bytes (APP_UPLOAD_MAX_BYTES)`,
          });
        }
        hash.update(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (format === null && pendingBytes >= sniffBytes) {
          format = archiveFormat(Buffer.concat(pending));
          if (!format) throw notAnArchive();
        }
        if (format !== null) await flush(false);
      }
    } catch (error) {
      if (error instanceof TRPCError) throw error;
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: 'The upload ended before it was complete',
      });
    }
    if (size === 0) throw fieldError('file', 'is empty');
    if (format === null) {
      format = archiveFormat(Buffer.concat(pending));
      if (!format) throw notAnArchive();
    }
    await flush(true);
    const sha256 = hash.digest('hex');
    await ctx.db.sourceUpload.update({ where: { id }, data: { sizeBytes: size, sha256 } });
    return { id, format, sizeBytes: size, sha256 };
  } catch (error) {
    if (created) await ctx.db.sourceUpload.deleteMany({ where: { id } }).catch(() => {});
    throw error;
  }
}
