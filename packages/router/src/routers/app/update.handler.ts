import type { Prisma } from '@flotilla/db';
import { writeOutboxJob } from '@flotilla/queue';
import { conflict, fieldError } from '../../errors.ts';
import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { lockApp } from './deployments.ts';
import { claimPublishedPort, lockClusterPlacement, refuseTakenDomain } from './placement.ts';
import { appOut, appSelect, plainEnv } from './rows.ts';
import { openSecretEnv, sealSecretEnv } from './secrets.ts';
import { appUpdateInput, appUpdateOutput } from './update.schema.ts';
import { checkEnvNames, checkRegistry, checkRepoUrl } from './validation.ts';

export const meta = {
  summary:
    'Change an app: replicas scale the running service at once; image, env and the rest apply on the next deploy (no rebuild for env)',
  http: { method: 'PATCH' },
  input: appUpdateInput,
  output: appUpdateOutput,
} satisfies Meta;

function patched(
  current: Record<string, string>,
  patch: Record<string, string | null> | undefined,
): Record<string, string> {
  if (!patch) return current;
  const next = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}

export const procedure = appProcedure('manage', appUpdateInput)
  .meta(meta)
  .output(appUpdateOutput)
  .mutation(async ({ ctx, input }) => {
    const app = ctx.app;
    if (input.imageUrl !== undefined && app.sourceType !== 'image') {
      throw fieldError('imageUrl', `this app's source is ${app.sourceType}, not image`);
    }
    if (
      (input.repoUrl !== undefined || input.repoBranch !== undefined) &&
      app.sourceType !== 'git'
    ) {
      throw fieldError(
        input.repoUrl !== undefined ? 'repoUrl' : 'repoBranch',
        `this app's source is ${app.sourceType}, not git`,
      );
    }
    if (input.buildCommand !== undefined && app.sourceType === 'image') {
      throw fieldError('buildCommand', 'an image app is not built');
    }
    if (input.repoUrl !== undefined) await checkRepoUrl(ctx, input.repoUrl);
    await checkRegistry(ctx, app.organizationId, input.registryId);
    const env = patched(plainEnv(app.env), input.env);
    const secretEnv = patched(
      openSecretEnv(ctx.sealer, app.id, app.secretEnvEncrypted),
      input.secretEnv,
    );
    checkEnvNames(env, secretEnv);

    const changed: string[] = [];
    const result = await ctx.db.$transaction(async (tx) => {
      await lockApp(tx, app.id);
      const data: Prisma.AppUpdateInput = {};
      if (input.name !== undefined && input.name !== app.name) {
        const other = await tx.app.findFirst({
          where: { projectId: app.projectId, name: input.name, id: { not: app.id } },
          select: { id: true },
        });
        if (other) throw conflict(`An app named "${input.name}" exists in this project`);
        data.name = input.name;
        changed.push(`name ${app.name} → ${input.name}`);
      }
      if (input.imageUrl !== undefined && input.imageUrl !== app.imageUrl) {
        data.imageUrl = input.imageUrl;
        changed.push(`image ${input.imageUrl}`);
      }
      if (input.repoUrl !== undefined) data.repoUrl = input.repoUrl;
      if (input.repoBranch !== undefined) data.repoBranch = input.repoBranch;
      if (input.buildCommand !== undefined) data.buildCommand = input.buildCommand;
      if (input.command !== undefined) {
        data.command = input.command ?? [];
        changed.push(`command ${input.command ? input.command.join(' ') : "the image's own"}`);
      }
      if (input.env !== undefined) {
        data.env = env;
        changed.push(`env ${Object.keys(input.env).join(', ')}`);
      }
      if (input.secretEnv !== undefined) {
        data.secretEnvEncrypted = sealSecretEnv(ctx.sealer, app.id, secretEnv);
        changed.push(`secret env ${Object.keys(input.secretEnv).join(', ')}`);
      }
      if (input.domain !== undefined && input.domain !== app.domain) {
        if (input.domain) await refuseTakenDomain(tx, app.clusterId, input.domain, app.id);
        data.domain = input.domain;
        changed.push(`domain ${input.domain ?? 'removed'}`);
      }
      if (input.registryId !== undefined) {
        data.registry = input.registryId
          ? { connect: { id: input.registryId } }
          : { disconnect: true };
      }
      const port = input.port === undefined ? app.port : input.port;
      if (input.port !== undefined && input.port !== app.port) {
        data.port = input.port;
        changed.push(`port ${input.port ?? 'none'}`);
      }
      if (port === null) {
        if (input.publishedPort !== undefined) {
          throw fieldError('publishedPort', 'needs a port the app listens on');
        }
        await tx.publishedPort.deleteMany({ where: { appId: app.id } });
      } else if (input.publishedPort !== undefined || !app.publishedPort) {
        await lockClusterPlacement(tx, app.clusterId);
        const wanted = input.publishedPort ?? app.publishedPort?.port;
        if (wanted !== app.publishedPort?.port || !app.publishedPort) {
          await tx.publishedPort.deleteMany({ where: { appId: app.id } });
          const claimed = await claimPublishedPort(tx, app.clusterId, app.id, wanted);
          changed.push(`published port ${claimed}`);
        }
      }
      if (input.replicas !== undefined && input.replicas !== app.replicas) {
        data.replicas = input.replicas;
        changed.push(`replicas ${app.replicas} → ${input.replicas}`);
        // Scaling is the one change applied at once, when something runs (or is on its way).
        const deployed = await tx.deployment.count({
          where: { appId: app.id, status: { in: ['active', 'queued', 'building', 'deploying'] } },
        });
        if (deployed > 0) {
          const { scaleGeneration } = await tx.app.update({
            where: { id: app.id },
            data: { scaleGeneration: { increment: 1 } },
            select: { scaleGeneration: true },
          });
          await writeOutboxJob(tx, 'scaleApp', { appId: app.id, generation: scaleGeneration });
        }
      }
      return tx.app.update({ where: { id: app.id }, data, select: appSelect });
    });
    ctx.audit.details = changed.length ? `Updated ${changed.join('; ')}` : 'No change';
    if (input.replicas !== undefined && input.replicas !== app.replicas) ctx.onOutboxWritten();
    return appOut(result, Object.keys(secretEnv).sort());
  });
