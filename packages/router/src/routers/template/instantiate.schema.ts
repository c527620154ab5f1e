import { templateParametersSchema } from '@flotilla/templates/schemas';
import { z } from 'zod';
import { clusterId, organizationId } from '../../schemas/common.ts';
import { restOutput } from '../../schemas/rest.ts';
import { app, appId, appToRestShape, projectId, restApp } from '../app/schema.ts';
import { database, databaseId, databaseToRestShape, restDatabase } from '../database/schema.ts';
import { templateId } from './schema.ts';

export const templateInstantiateInput = z.object({
  templateId,
  /** Default: the `X-Flotilla-Organization` header, else the caller's only organization. */
  organizationId: organizationId.optional(),
  /** Default: the organization's default project. */
  projectId: projectId.optional(),
  /** Default: the organization's default cluster (cluster.setDefault). */
  clusterId: clusterId.optional(),
  /**
   * Values by variable id, checked against the template's rules (a 400 names
   * `parameters.<id>`); those not given come from defaults and generators.
   */
  parameters: templateParametersSchema,
});
export type TemplateInstantiateInput = z.infer<typeof templateInstantiateInput>;

export const templateInstantiateOutput = z.object({
  templateId,
  clusterId: z.string(),
  /** Created with app.create, in the template's order; each deploys at once. */
  apps: z.array(app),
  /** Created with database.create; each reaches `ready` by itself. */
  databases: z.array(database),
  /** database.bind of each pair: the app gets the connection variables once it is ready. */
  bindings: z.array(z.object({ appId, databaseId })),
  /** The values used, secret ones left out (passwords, generated keys are sealed in the apps). */
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});
export type TemplateInstantiateOutput = z.infer<typeof templateInstantiateOutput>;

const context = ['id', 'organization_id', 'project_id', 'cluster_id', 'parameters'] as const;

/**
 * `POST /api/v1/templates/{id}/instantiate`: "the request body shape depends on the template's
 * defined parameters" — they may come in `parameters` or beside `cluster_id` at the top level.
 */
export const templateInstantiateRestInput = z
  .looseObject({
    id: templateId,
    organization_id: organizationId.optional(),
    project_id: projectId.optional(),
    cluster_id: clusterId.optional(),
    parameters: templateParametersSchema,
  })
  .transform((body): TemplateInstantiateInput => {
    const topLevel = Object.fromEntries(
      Object.entries(body).filter(([key]) => !(context as readonly string[]).includes(key)),
    );
    return {
      templateId: body.id,
      organizationId: body.organization_id,
      projectId: body.project_id,
      clusterId: body.cluster_id,
      parameters: { ...topLevel, ...body.parameters } as TemplateInstantiateInput['parameters'],
    };
  });

export const templateInstantiateToRest = restOutput(
  z.object({
    template_id: z.string(),
    cluster_id: z.string(),
    apps: z.array(restApp),
    databases: z.array(restDatabase),
    bindings: z.array(z.object({ app_id: z.string(), database_id: z.string() })),
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  }),
  (result: TemplateInstantiateOutput) => ({
    template_id: result.templateId,
    cluster_id: result.clusterId,
    apps: result.apps.map(appToRestShape),
    databases: result.databases.map(databaseToRestShape),
    bindings: result.bindings.map((b) => ({ app_id: b.appId, database_id: b.databaseId })),
    parameters: result.parameters,
  }),
);
