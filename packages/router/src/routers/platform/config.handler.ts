import { catalog, cloudProviders } from '@flotilla/providers/catalog';
import { type Meta, publicProcedure } from '../../trpc.ts';
import { platformConfigOutput } from './config.schema.ts';

export const meta = {
  summary:
    'What this Flotilla offers, for the dashboard before sign-in: version, providers, orchestrators, open sign-up, features',
  http: { method: 'GET' },
  output: platformConfigOutput,
  public: true,
} satisfies Meta;

export const procedure = publicProcedure
  .meta(meta)
  .output(platformConfigOutput)
  .query(({ ctx }) => ({
    version: ctx.platform.version,
    openSignup: ctx.openSignup,
    providers: [
      ...cloudProviders.map((id) => ({ id, label: catalog[id].label })),
      { id: 'ssh' as const, label: 'Your own servers (SSH)' },
    ],
    orchestrators: ['swarm' as const, 'kubernetes' as const],
    appPublishMode: ctx.platform.appPublishMode,
    features: {
      apps: true,
      builds: true,
      stacks: true,
      templates: ctx.templates.list().length > 0,
      managedDatabases: true,
      nodeDrain: true,
    },
  }));
