// Small pieces of HTTP plumbing shared by the routes of the API server.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody, RequestInfo } from '@flotilla/router';

export const maxBodyBytes = 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }
}

/** Sends `body` as JSON; `headers` (a fresh object per response) gets the content headers added. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  // Encoded once: the length comes from the bytes, not from a second pass over the string.
  const payload = Buffer.from(JSON.stringify(body));
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = String(payload.length);
  res.writeHead(status, headers);
  res.end(payload);
}

export function sendError(
  res: ServerResponse,
  status: number,
  body: ErrorBody,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: body }, headers);
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,100}$/;

export function requestInfo(req: IncomingMessage): RequestInfo {
  const given = req.headers['x-request-id'];
  const key = req.headers['idempotency-key'];
  return {
    authorization: req.headers.authorization,
    userAgent: req.headers['user-agent'],
    idempotencyKey: typeof key === 'string' ? key : undefined,
    requestId: typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID(),
    organizationId:
      typeof req.headers['x-flotilla-organization'] === 'string'
        ? req.headers['x-flotilla-organization']
        : undefined,
    ip: req.socket.remoteAddress ?? 'unknown',
    // A proxy in front that terminates TLS says so; believing it can only add `Secure`.
    secure:
      (req.socket as { encrypted?: boolean }).encrypted === true ||
      /^https\b/i.test(String(req.headers['x-forwarded-proto'] ?? '')),
  };
}

/** The client hung up before sending its whole body: there is no one left to answer. */
export class ClientGone extends Error {
  constructor() {
    super('client closed the connection before the body ended');
  }
}

const tooLarge = () =>
  new HttpError(413, {
    code: 'PAYLOAD_TOO_LARGE',
    message: `The request body exceeds ${maxBodyBytes} bytes`,
  });

/** The body as text, refusing more than `maxBodyBytes` (by its header or by counting). */
export function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBodyBytes) return fail(tooLarge());
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', () => fail(new ClientGone()));
    // A client that hangs up mid-body ends the request here, not in a promise that never settles.
    req.on('close', () => fail(new ClientGone()));
  });
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, {
      code: 'PARSE_ERROR',
      message: 'The request body is not valid JSON',
    });
  }
}

/** Plain query parameters become the input object (`?clusterId=…&limit=5`). */
export function queryInput(search: string): Record<string, string> | undefined {
  if (!search) return undefined;
  const params = new URLSearchParams(search);
  const input: Record<string, string> = {};
  for (const [key, value] of params) input[key] = value;
  return input;
}
