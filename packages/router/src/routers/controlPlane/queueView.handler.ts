import { instanceSessionProcedure, type Meta } from '../../trpc.ts';
import { controlPlaneQueueViewOutput } from './queueView.schema.ts';
import { queueViewPath, queueViewSetCookie } from './queueViewAccess.ts';

export const meta = {
  summary:
    'Opens the queue view (Bull Board under /admin/queues) in this browser: sets a short-lived cookie for this dashboard session',
  http: { method: 'POST' },
  output: controlPlaneQueueViewOutput,
} satisfies Meta;

export const procedure = instanceSessionProcedure
  .meta(meta)
  .output(controlPlaneQueueViewOutput)
  .mutation(({ ctx }) => {
    const cookie = queueViewSetCookie(ctx, {
      tokenId: ctx.principal.tokenId,
      userId: ctx.principal.userId,
      secure: ctx.req.secure === true,
    });
    ctx.resHeaders['set-cookie'] = cookie.header;
    ctx.audit.details = 'Opened the queue view';
    return { url: `${queueViewPath}/`, expiresAt: cookie.expiresAt.toISOString() };
  });
