// The queue view (Bull Board, served by apps/api under /admin/queues) is a page of its own whose
// scripts cannot send the dashboard's bearer token, so the browser reaches it with a cookie:
// `controlPlane.queueView` sets one for the caller's dashboard session, and every request of the
// view is checked here.
//
// The cookie holds the session's id and an expiry, sealed (AES-GCM, FLOTILLA_MASTER_KEY) so it
// cannot be forged or altered, HttpOnly (no script reads it), SameSite=Strict (no other site's
// page sends it) and scoped to /admin/queues (sent nowhere else, never usable as a bearer token).
// It opens the view only while that session is alive and its user an instance administrator:
// logging out, ending the session or revoking the administrator closes it at the next request.

import type { RouterServices } from '../../context.ts';
import { tokenDeadline } from '../../session.ts';

export const queueViewPath = '/admin/queues';
export const queueViewCookie = 'flotilla_queue_view';
/** Long enough to look into a problem; reopening from the dashboard issues a new one. */
export const queueViewLifetimeMs = 15 * 60_000;
const sealContext = 'queue-view-cookie';

interface Claims {
  /** The dashboard session (ApiToken id) it was issued to. */
  t: string;
  u: string;
  /** Expiry, epoch ms. */
  e: number;
}

/** The Set-Cookie header for the session `tokenId` of `userId`. */
export function queueViewSetCookie(
  services: Pick<RouterServices, 'sealer'>,
  {
    tokenId,
    userId,
    secure,
    now = Date.now(),
  }: { tokenId: string; userId: string; secure: boolean; now?: number },
): { header: string; expiresAt: Date } {
  const expires = now + queueViewLifetimeMs;
  const claims: Claims = { t: tokenId, u: userId, e: expires };
  const value = services.sealer.seal(JSON.stringify(claims), sealContext);
  const attributes = [
    `${queueViewCookie}=${value}`,
    `Path=${queueViewPath}`,
    `Max-Age=${queueViewLifetimeMs / 1000}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ];
  return { header: attributes.join('; '), expiresAt: new Date(expires) };
}

export type QueueViewAccess =
  | { ok: true; userId: string }
  | { ok: false; status: 401 | 403; message: string };

const reopen = 'open the queue view from the dashboard (Administration → Queues)';

/** Whether the request's Cookie header opens the queue view now. */
export async function checkQueueViewAccess(
  services: Pick<RouterServices, 'sealer' | 'db' | 'sessionLifetimes'>,
  cookieHeader: string | undefined,
  now = Date.now(),
): Promise<QueueViewAccess> {
  const value = readCookie(cookieHeader, queueViewCookie);
  if (!value) return { ok: false, status: 401, message: `No queue view cookie: ${reopen}` };
  let claims: Claims;
  try {
    claims = JSON.parse(services.sealer.open(value, sealContext)) as Claims;
  } catch {
    return { ok: false, status: 401, message: `Invalid queue view cookie: ${reopen}` };
  }
  if (typeof claims.e !== 'number' || claims.e <= now) {
    return { ok: false, status: 401, message: `The queue view cookie expired: ${reopen}` };
  }
  const session = await services.db.apiToken.findUnique({
    where: { id: claims.t },
    select: {
      kind: true,
      userId: true,
      createdAt: true,
      lastUsedAt: true,
      expiresAt: true,
      revokedAt: true,
      user: { select: { instanceAdmin: true } },
    },
  });
  if (
    session?.kind !== 'session' ||
    session.userId !== claims.u ||
    session.revokedAt ||
    tokenDeadline(session, services.sessionLifetimes) <= now
  ) {
    return {
      ok: false,
      status: 401,
      message: `The dashboard session ended: sign in and ${reopen}`,
    };
  }
  if (!session.user.instanceAdmin) {
    return {
      ok: false,
      status: 403,
      message:
        'The queue view needs an instance administrator (organization roles do not include it)',
    };
  }
  return { ok: true, userId: session.userId };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
