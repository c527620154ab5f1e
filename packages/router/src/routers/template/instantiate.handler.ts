import { errorMessage } from '@flotilla/errors';
import { TemplateError, type TemplatePlan } from '@flotilla/templates';
import { requireCluster } from '../../access.ts';
import { FieldError, fieldError } from '../../errors.ts';
import { type AuthedContext, authedProcedure, type Meta } from '../../trpc.ts';
import { clusterOf } from '../app/placement.ts';
import type { AppOut } from '../app/schema.ts';
import type { DatabaseOut } from '../database/schema.ts';
import { callerAs } from './caller.ts';
import {
  type TemplateInstantiateOutput,
  templateInstantiateInput,
  templateInstantiateOutput,
} from './instantiate.schema.ts';
import { organizationRegistry } from './registry.ts';

export const meta = {
  summary:
    "Install a template on a cluster: its databases, apps and bindings, made with database.create, app.create and database.bind as the caller (parameters checked against the template's rules)",
  http: { method: 'POST', status: 201 },
  input: templateInstantiateInput,
  output: templateInstantiateOutput,
} satisfies Meta;

/** A part's bad input, named where the template put it (`apps.web.publishedPort`). */
async function within<T>(place: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof FieldError) {
      throw new FieldError(error.issues.map((i) => ({ ...i, path: `${place}.${i.path}` })));
    }
    throw error;
  }
}

/** A half-made install is taken back through the same procedures, newest first. */
async function takeBack(
  ctx: AuthedContext,
  made: { apps: AppOut[]; databases: DatabaseOut[] },
): Promise<void> {
  for (const app of made.apps.reverse()) {
    await callerAs(ctx)
      .app.remove({ appId: app.id })
      .catch((error) =>
        ctx.log.warn(
          { appId: app.id, err: error },
          `template: app not taken back: ${errorMessage(error)}`,
        ),
      );
  }
  for (const database of made.databases.reverse()) {
    await callerAs(ctx)
      .database.remove({ databaseId: database.id })
      .catch((error) =>
        ctx.log.warn(
          { databaseId: database.id, err: error },
          `template: database not taken back: ${errorMessage(error)}`,
        ),
      );
  }
}

export const procedure = authedProcedure
  .meta(meta)
  .input(templateInstantiateInput)
  .output(templateInstantiateOutput)
  .mutation(async ({ ctx, input }): Promise<TemplateInstantiateOutput> => {
    Object.assign(ctx.audit, { targetType: 'template', targetId: input.templateId });
    const template = ctx.templates.get(input.templateId);
    // Checked here before anything is made (the procedures below check again, each for itself).
    const clusterId = await clusterOf(ctx, input.organizationId, input.clusterId);
    const { cluster } = await requireCluster(ctx, clusterId, 'manage');
    if (input.organizationId && input.organizationId !== cluster.organizationId) {
      throw fieldError('clusterId', 'is a cluster of another organization');
    }
    const registry = await organizationRegistry(ctx, cluster.organizationId);
    const taken = await ctx.db.publishedPort.findMany({
      where: { clusterId },
      select: { port: true },
    });
    let plan: TemplatePlan;
    try {
      plan = ctx.templates.resolve(
        template.id,
        { ...(registry ? { registry } : {}), ...input.parameters },
        { avoidPorts: taken.map((row) => row.port) },
      );
    } catch (error) {
      if (error instanceof TemplateError) {
        throw new FieldError(
          error.issues.length ? error.issues : [{ path: 'parameters', message: error.message }],
        );
      }
      throw error;
    }

    const place = { organizationId: cluster.organizationId, projectId: input.projectId, clusterId };
    const made = { apps: [] as AppOut[], databases: [] as DatabaseOut[] };
    const bindings: { appId: string; databaseId: string }[] = [];
    try {
      const databases = new Map<string, DatabaseOut>();
      for (const planned of plan.databases) {
        const created = await within(`databases.${planned.key}`, () =>
          callerAs(ctx).database.create({
            ...place,
            name: planned.name,
            engine: planned.engine,
            version: planned.version,
          }),
        );
        made.databases.push(created);
        databases.set(planned.key, created);
      }
      const apps = new Map<string, AppOut>();
      for (const planned of plan.apps) {
        const secret = new Set(planned.secret_env);
        const env = Object.entries(planned.env);
        const created = await within(`apps.${planned.key}`, () =>
          callerAs(ctx).app.create({
            ...place,
            sourceType: 'image',
            name: planned.name,
            imageUrl: planned.image_url,
            port: planned.port,
            publishedPort: planned.published_port,
            replicas: planned.replicas,
            env: Object.fromEntries(env.filter(([name]) => !secret.has(name))),
            secretEnv: Object.fromEntries(env.filter(([name]) => secret.has(name))),
            command: planned.command,
          }),
        );
        made.apps.push(created);
        apps.set(planned.key, created);
      }
      for (const pair of plan.bindings) {
        const app = apps.get(pair.app);
        const database = databases.get(pair.database);
        if (!app || !database) continue; // the template's own check makes this impossible
        const bound = await within(`bindings.${pair.app}`, () =>
          callerAs(ctx).database.bind({ databaseId: database.id, appId: app.id }),
        );
        made.databases[made.databases.findIndex((d) => d.id === bound.id)] = bound;
        bindings.push({ appId: app.id, databaseId: database.id });
      }
    } catch (error) {
      await takeBack(ctx, { apps: [...made.apps], databases: [...made.databases] });
      throw error;
    }

    const secret = new Set(plan.secret_parameters);
    ctx.audit.details = `Installed template "${template.name}" on cluster ${cluster.name}: ${[
      ...made.apps.map((a) => `app ${a.name}`),
      ...made.databases.map((d) => `database ${d.name}`),
    ].join(', ')}`;
    return {
      templateId: template.id,
      clusterId,
      apps: made.apps,
      databases: made.databases,
      bindings,
      parameters: Object.fromEntries(
        Object.entries(plan.parameters).filter(([id]) => !secret.has(id)),
      ),
    };
  });
