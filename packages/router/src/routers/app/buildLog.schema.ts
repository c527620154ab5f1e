import { z } from 'zod';
import { idSchema, isoDate } from '../../schemas/common.ts';
import { restOutput } from '../../schemas/rest.ts';
import { appRef, buildStatusSchema, restAppPath } from './schema.ts';

const afterId = z
  .string()
  .regex(/^\d{1,18}$/, 'must be a line id from a previous answer')
  .optional();
const limit = z.coerce.number().int().min(1).max(5_000).default(1_000);

export const appBuildLogInput = appRef.extend({
  /** Default: the app's latest build. */
  buildId: idSchema.optional(),
  /** Lines after this one (the last `id` seen), to follow a running build. */
  afterId,
  limit,
});

export const appBuildLogOutput = z.object({
  build: z
    .object({
      id: z.string(),
      deploymentId: z.string(),
      source: z.enum(['git', 'upload']),
      status: buildStatusSchema,
      reason: z.string().nullable(),
      commit: z.string().nullable(),
      image: z.string().nullable(),
      startedAt: isoDate.nullable(),
      finishedAt: isoDate.nullable(),
      createdAt: isoDate,
    })
    .nullable(),
  lines: z.array(
    z.object({
      id: z.string(),
      level: z.enum(['debug', 'info', 'warn', 'error']),
      message: z.string(),
      at: isoDate,
    }),
  ),
});
type BuildLog = z.infer<typeof appBuildLogOutput>;

/** `GET /api/v1/apps/{id}/build-log`. */
export const appBuildLogRestInput = restAppPath
  .extend({ build_id: idSchema.optional(), after_id: afterId, limit })
  .transform(({ id, build_id, after_id, limit }) => ({
    appId: id,
    buildId: build_id,
    afterId: after_id,
    limit,
  }));

export const appBuildLogToRest = restOutput(
  z.object({
    build: z
      .object({
        id: z.string(),
        deployment_id: z.string(),
        source: z.enum(['git', 'upload']),
        status: buildStatusSchema,
        reason: z.string().nullable(),
        commit: z.string().nullable(),
        image: z.string().nullable(),
        started_at: isoDate.nullable(),
        finished_at: isoDate.nullable(),
        created_at: isoDate,
      })
      .nullable(),
    lines: appBuildLogOutput.shape.lines,
  }),
  ({ build, lines }: BuildLog) => ({
    build: build && {
      id: build.id,
      deployment_id: build.deploymentId,
      source: build.source,
      status: build.status,
      reason: build.reason,
      commit: build.commit,
      image: build.image,
      started_at: build.startedAt,
      finished_at: build.finishedAt,
      created_at: build.createdAt,
    },
    lines,
  }),
);
