// Templates (one-click installs) and the plans they resolve to, as zod schemas: the single source
// of truth for template files, the template.* procedures, the OpenAPI document and the dashboard's
// instantiate form. No Node imports here (`@flotilla/templates/schemas`).
import { z } from 'zod';

export const templateIdSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'lower-case letters, digits and dashes');

export const variableIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and "_", starting with a letter');

/** The variable every template has: where the images come from (machines may be offline). */
export const registryVariable = 'registry';

export const variableTypeSchema = z.enum([
  'string',
  /** Several lines of text. */
  'text',
  'number',
  'boolean',
  /** A TCP/UDP port number, 1–65535. */
  'port',
  /** A string kept secret: never shown back, sealed by whoever stores it. */
  'password',
  /** One of `options`. */
  'enum',
]);
export type VariableType = z.infer<typeof variableTypeSchema>;

/**
 * A value made with a CSPRNG when the caller gives none:
 * `password:N` N characters of [A-Za-z0-9] · `base64:N` N random bytes, base64url ·
 * `hex:N` N hex characters · `uuid` · `randomPort` or `randomPort:LOW-HIGH` (default 20000-29999,
 * below the range Swarm picks published ports from).
 */
export const generatorSchema = z
  .string()
  .regex(
    /^(?:(?:password|base64|hex):\d{1,3}|uuid|randomPort(?::\d{1,5}-\d{1,5})?)$/,
    'password:N, base64:N, hex:N, uuid or randomPort[:LOW-HIGH]',
  );

const scalar = z.union([z.string(), z.number(), z.boolean()]);
export type ParameterValue = z.infer<typeof scalar>;

export const templateVariableSchema = z
  .object({
    id: variableIdSchema,
    label: z.string().min(1).max(100),
    description: z.string().max(1000).optional(),
    type: variableTypeSchema,
    /** May use ${registry}. */
    default: scalar.optional(),
    /** Refused when neither given, defaulted nor generated. */
    required: z.boolean().default(false),
    /** A JavaScript regular expression the value must match (CapRover's validRegex). */
    pattern: z
      .string()
      .max(500)
      .refine((pattern) => {
        try {
          new RegExp(pattern, 'u');
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
    /** What the pattern means, for the message when a value does not match it. */
    patternMessage: z.string().max(200).optional(),
    options: z.array(z.string().max(100)).min(1).max(50).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    minLength: z.number().int().min(0).optional(),
    maxLength: z.number().int().min(1).max(65_536).optional(),
    generator: generatorSchema.optional(),
    /** Never shown back (default for `password`). */
    secret: z.boolean().optional(),
  })
  .refine((variable) => variable.type !== 'enum' || variable.options, {
    message: 'an enum variable needs options',
    path: ['options'],
  });
export type TemplateVariable = z.infer<typeof templateVariableSchema>;

/** An app the template creates, compose-like; every string may use ${variable}. */
export const templateAppSchema = z.object({
  /** The app's name; lower-case letters, digits and dashes once resolved. */
  name: z.string().min(1),
  image: z.string().min(1),
  /** The port the app listens on in its container. */
  port: z.union([z.number().int(), z.string()]).optional(),
  /** The port published on the nodes (host mode), when the app should be reachable from outside. */
  published_port: z.union([z.number().int(), z.string()]).optional(),
  replicas: z.union([z.number().int(), z.string()]).default(1),
  environment: z.record(z.string(), z.string()).default({}),
  command: z.array(z.string()).optional(),
  /** Keys of this template's databases to bind the app to (DATABASE_URL, PG*, REDIS_URL). */
  databases: z.array(z.string()).default([]),
});

export const databaseEngineSchema = z.enum(['postgres', 'redis']);

export const templateDatabaseSchema = z.object({
  name: z.string().min(1),
  engine: databaseEngineSchema,
  version: z.union([z.string(), z.number()]).transform(String),
});

/** A template file as kept in the repository (templates/<id>.yaml). */
export const templateSchema = z.object({
  id: templateIdSchema,
  name: z.string().min(1).max(100),
  description: z.string().min(1).max(2000),
  /** An icon name the dashboard knows (lucide names: globe, database, zap, …). */
  icon: z.string().regex(/^[a-z0-9-]{1,40}$/),
  tags: z
    .array(z.string().regex(/^[a-z0-9-]{1,30}$/))
    .max(10)
    .default([]),
  variables: z.array(templateVariableSchema).max(40).default([]),
  apps: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/), templateAppSchema),
  databases: z
    .record(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/), templateDatabaseSchema)
    .default({}),
});
export type Template = z.infer<typeof templateSchema>;

/** What `template.all` lists. */
export const templateSummarySchema = templateSchema
  .pick({ id: true, name: true, description: true, icon: true, tags: true })
  .extend({
    creates: z.object({
      apps: z.number().int(),
      databases: z.array(databaseEngineSchema),
    }),
  });
export type TemplateSummary = z.infer<typeof templateSummarySchema>;

/** `template.instantiate`'s parameters: values by variable id (form posts send strings). */
export const templateParametersSchema = z.record(variableIdSchema, scalar).default({});
export type TemplateParameters = z.input<typeof templateParametersSchema>;

const appName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits and dashes');

/**
 * What instantiating creates, with the field names the apps and databases procedures take: create
 * the databases, then the apps, then bind each `bindings` pair.
 */
export const templatePlanSchema = z.object({
  template_id: templateIdSchema,
  /** Every variable's value, given, defaulted or generated. */
  parameters: z.record(z.string(), scalar),
  /** Variables whose values are secrets (passwords, generated keys): never show them back. */
  secret_parameters: z.array(z.string()),
  apps: z.array(
    z.object({
      key: z.string(),
      name: appName,
      source_type: z.literal('image'),
      image_url: z
        .string()
        .min(1)
        .max(512)
        .regex(/^[^\s]+$/, 'no whitespace'),
      port: z.number().int().min(1).max(65_535).optional(),
      published_port: z.number().int().min(1).max(65_535).optional(),
      replicas: z.number().int().min(0).max(100),
      env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()),
      /** Names in `env` whose values use a secret parameter: to be sealed (the app's secret env). */
      secret_env: z.array(z.string()),
      command: z.array(z.string()).optional(),
      template_id: templateIdSchema,
    }),
  ),
  databases: z.array(
    z.object({
      key: z.string(),
      name: appName,
      engine: databaseEngineSchema,
      version: z.string().min(1),
    }),
  ),
  /** Bind the app (by key) to the database (by key). */
  bindings: z.array(z.object({ app: z.string(), database: z.string() })),
});
export type TemplatePlan = z.infer<typeof templatePlanSchema>;
