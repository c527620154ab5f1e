// The body of an upload route (app.build): the file of a multipart/form-data request (field
// named by the route), or the whole body when it is sent as a tarball (application/gzip,
// application/x-tar, application/octet-stream). Streamed, never buffered: the procedure reads
// it as it arrives and stops reading (and the connection is closed) when it refuses it.
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { Busboy } from '@fastify/busboy';
import { HttpError } from './http.ts';

const rawTypes = new Set([
  'application/gzip',
  'application/x-gzip',
  'application/x-tar',
  'application/x-gtar',
  'application/octet-stream',
]);

export interface UploadBody {
  /** The file's bytes, as an async iterable (what the procedure's input takes). */
  file: AsyncIterable<Uint8Array>;
  /** Non-file fields of the form (e.g. `appId`), known once they precede the file. */
  fields: Record<string, string>;
}

/**
 * Starts reading an upload. A declared length over `maxBytes` is refused before any byte is
 * read; a body that lies about its length is stopped by the procedure's own count.
 */
export function readUpload(req: IncomingMessage, field: string, maxBytes: number): UploadBody {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes + 64 * 1024) {
    throw new HttpError(413, {
      code: 'PAYLOAD_TOO_LARGE',
      message: `The upload exceeds ${maxBytes} bytes (APP_UPLOAD_MAX_BYTES)`,
    });
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (rawTypes.has(type)) return { file: req, fields: {} };
  if (type !== 'multipart/form-data') {
    throw new HttpError(400, {
      code: 'BAD_REQUEST',
      message: `Send the source as multipart/form-data (field "${field}") or as application/gzip or application/x-tar, not ${type || 'no content type'}`,
      issues: [{ path: field, message: 'is required as multipart/form-data or a tarball body' }],
    });
  }
  const file = new PassThrough();
  const fields: Record<string, string> = {};
  let found = false;
  let parser: ReturnType<typeof Busboy>;
  try {
    parser = Busboy({
      headers: req.headers as { 'content-type': string },
      limits: { files: 1, fields: 20, fieldSize: 1024, fileSize: maxBytes + 1 },
    });
  } catch (error) {
    throw new HttpError(400, {
      code: 'BAD_REQUEST',
      message: `Not a multipart body: ${(error as Error).message}`,
      issues: [{ path: field, message: 'is required' }],
    });
  }
  parser.on('field', (name, value) => {
    fields[name] = value;
  });
  parser.on('file', (name, stream) => {
    if (name !== field || found) {
      stream.resume();
      return;
    }
    found = true;
    stream.pipe(file);
  });
  parser.on('finish', () => {
    // No file part at all: the procedure sees an empty file and says so.
    if (!found) file.end();
  });
  parser.on('error', (error) => file.destroy(error as Error));
  req.on('error', (error) => file.destroy(error));
  req.on('close', () => {
    if (!req.complete) file.destroy(new Error('the client closed the connection mid-upload'));
  });
  req.pipe(parser);
  return { file, fields };
}
