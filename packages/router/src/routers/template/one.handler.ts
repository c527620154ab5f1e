import { registryVariable } from '@flotilla/templates/schemas';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { templateOneInput, templateOneOutput } from './one.schema.ts';
import { organizationRegistry } from './registry.ts';

export const meta = {
  summary: 'One template with its typed variables (rules, defaults, generators)',
  http: { method: 'GET' },
  input: templateOneInput,
  output: templateOneOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .input(templateOneInput)
  .output(templateOneOutput)
  .query(async ({ ctx, input }) => {
    const template = ctx.templates.get(input.templateId);
    const registry = await organizationRegistry(ctx, input.organizationId);
    if (!registry) return template;
    return {
      ...template,
      variables: template.variables.map((variable) =>
        variable.id === registryVariable ? { ...variable, default: registry } : variable,
      ),
    };
  });
