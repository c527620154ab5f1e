// Uploading an app's source for app.build. Through `/api/app.build` as multipart/form-data, not
// the tRPC link: the API streams that body to the procedure (up to APP_UPLOAD_MAX_BYTES), while
// /trpc reads whole bodies and caps them at 1 MiB.
import { getToken } from '../../session.ts';
import type { Deployment } from './types.ts';

export class UploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** Field path → message, as the API names them (`file`, …). */
    readonly fields: Record<string, string>,
  ) {
    super(message);
  }
}

interface ApiAnswer {
  result?: { data?: Deployment };
  error?: { message?: string; issues?: { path: string; message: string }[] };
}

export async function uploadSource(appId: string, file: File): Promise<Deployment> {
  const body = new FormData();
  body.append('file', file, file.name);
  const token = getToken();
  let response: Response;
  try {
    response = await fetch(`/api/app.build?appId=${encodeURIComponent(appId)}`, {
      method: 'POST',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      body,
    });
  } catch {
    throw new UploadError(
      'Cannot reach the Flotilla API. Check your connection and try again.',
      0,
      {},
    );
  }
  const answer = (await response.json().catch(() => ({}))) as ApiAnswer;
  if (response.ok && answer.result?.data) return answer.result.data;
  const fields: Record<string, string> = {};
  for (const issue of answer.error?.issues ?? []) fields[issue.path] ??= issue.message;
  const message =
    answer.error?.message ??
    (response.status === 413 ? 'The file is too large' : `The upload failed (${response.status})`);
  throw new UploadError(message, response.status, fields);
}

/** What a file input should offer: tarballs, as app.build takes them. */
export const archiveTypes = '.tar,.tar.gz,.tgz,application/x-tar,application/gzip';
