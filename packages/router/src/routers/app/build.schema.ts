import { z } from 'zod';
import { appId, appRef, deployment, restAppPath } from './schema.ts';

/** The tarball's bytes as they arrive (the HTTP layer streams a multipart field or the body). */
export const sourceArchive = z.custom<AsyncIterable<Uint8Array>>(
  (value) =>
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function',
  'is required: the source as a tar or tar.gz file (multipart/form-data field "file", or the whole body as application/gzip or application/x-tar)',
);

export const appBuildInput = z.preprocess(
  // The typed client sends FormData (`appId`, `file`); the HTTP layer a plain object.
  (value) => {
    if (typeof FormData !== 'undefined' && value instanceof FormData) {
      const file = value.get('file');
      return {
        appId: value.get('appId') ?? undefined,
        file: file && typeof file === 'object' && 'stream' in file ? file.stream() : undefined,
      };
    }
    return value;
  },
  appRef.extend({ file: sourceArchive }),
);
export const appBuildOutput = deployment;

/** `POST /api/v1/apps/{id}/build` (multipart/form-data, field `file`). */
export const appBuildRestInput = restAppPath
  .extend({ file: sourceArchive })
  .transform(({ id, file }) => ({ appId: id, file }));

export { appId };
