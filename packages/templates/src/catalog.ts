// The template catalog: files under templates/ read and checked once at start (a broken template
// stops the process with its file and place named, instead of failing a user later), then
// list/get/resolve from memory.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InterpolationError, interpolateString } from '@flotilla/compose';
import { FlotillaError } from '@flotilla/errors';
import { parse } from 'yaml';
import { generate, generatorProblem } from './generate.ts';
import {
  type ParameterValue,
  registryVariable,
  type Template,
  type TemplateParameters,
  type TemplatePlan,
  type TemplateSummary,
  type TemplateVariable,
  templatePlanSchema,
  templateSchema,
} from './schemas.ts';

export interface TemplateIssue {
  path: string;
  message: string;
}

/** A template or its parameters cannot be used: code `invalid` (a 400), each place named. */
export class TemplateError extends FlotillaError {
  override name = 'TemplateError';
  constructor(
    message: string,
    readonly issues: TemplateIssue[] = [],
  ) {
    super(
      'invalid',
      issues.length
        ? `${message}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`
        : message,
    );
  }
}

export const shippedTemplatesDirectory = fileURLToPath(new URL('../templates/', import.meta.url));

export interface CatalogOptions {
  /** Folder of *.yaml templates; the shipped ones by default. */
  directory?: string;
  /** The registry images come from when the caller names none (configuration). */
  defaultRegistry?: string;
}

export interface ResolveOptions {
  /** Ports already published on the target cluster: randomPort avoids them. */
  avoidPorts?: Iterable<number>;
}

export interface TemplateCatalog {
  list(): TemplateSummary[];
  /** Throws FlotillaError `notFound` for an unknown id. */
  get(id: string): Template;
  /**
   * Checks the parameters against the template's rules (TemplateError naming each failing one),
   * generates what is missing and has a generator, and returns what to create.
   */
  resolve(id: string, parameters?: TemplateParameters, options?: ResolveOptions): TemplatePlan;
}

// host[:port][/path], as in an image reference: "10.201.3.1:5443", "registry.example.com/team".
const registryPattern =
  /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::\d{1,5})?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

function registryDefinition(defaultRegistry: string | undefined): TemplateVariable {
  return {
    id: registryVariable,
    label: 'Registry',
    description:
      'Where the images come from: host[:port][/path] of a registry the cluster can pull from',
    type: 'string',
    required: true,
    pattern: registryPattern.source,
    patternMessage: 'host[:port][/path], e.g. 10.201.3.1:5443 or registry.example.com/team',
    maxLength: 255,
    ...(defaultRegistry ? { default: defaultRegistry } : {}),
  };
}

/** The ${names} a string uses. */
function referencedNames(text: string): string[] {
  const names: string[] = [];
  interpolateString(text, (name) => {
    names.push(name);
    return '';
  });
  return names;
}

/** Every string of a template's apps and databases, with where it is. */
function templateStrings(template: Template): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') out.push({ path, text: value });
    else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, `${path}.${index}`);
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`);
    }
  };
  walk(template.apps, 'apps');
  walk(template.databases, 'databases');
  return out;
}

function checkValue(
  variable: TemplateVariable,
  raw: ParameterValue,
): { value?: ParameterValue; problem?: string } {
  switch (variable.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === 'false') return { value: raw === 'true' };
      return { problem: 'must be true or false' };
    }
    case 'number':
    case 'port': {
      const number =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && raw.trim() !== ''
            ? Number(raw)
            : Number.NaN;
      if (!Number.isFinite(number)) return { problem: 'must be a number' };
      if (
        variable.type === 'port' &&
        !(Number.isInteger(number) && number >= 1 && number <= 65_535)
      ) {
        return { problem: 'must be a port number from 1 to 65535' };
      }
      if (variable.min !== undefined && number < variable.min)
        return { problem: `must be at least ${variable.min}` };
      if (variable.max !== undefined && number > variable.max)
        return { problem: `must be at most ${variable.max}` };
      return { value: number };
    }
    default: {
      if (typeof raw === 'boolean') return { problem: 'must be text' };
      const text = String(raw);
      if (variable.type === 'enum' && !variable.options?.includes(text)) {
        return { problem: `must be one of ${variable.options?.join(', ')}` };
      }
      const minLength = variable.minLength ?? (variable.type === 'password' ? 8 : undefined);
      if (minLength !== undefined && text.length < minLength)
        return { problem: `must have at least ${minLength} characters` };
      const maxLength = variable.maxLength ?? (variable.type === 'text' ? 65_536 : 1_000);
      if (text.length > maxLength) return { problem: `must have at most ${maxLength} characters` };
      if (variable.type !== 'text' && /[\n\r\0]/.test(text))
        return { problem: 'must be on one line' };
      if (variable.pattern && !new RegExp(variable.pattern, 'u').test(text)) {
        return {
          problem: variable.patternMessage
            ? `must be ${variable.patternMessage}`
            : `must match ${variable.pattern}`,
        };
      }
      return { value: text };
    }
  }
}

function isSecret(variable: TemplateVariable): boolean {
  return variable.secret ?? variable.type === 'password';
}

class Catalog implements TemplateCatalog {
  private readonly templates = new Map<string, Template>();

  constructor(
    templates: Template[],
    private readonly defaultRegistry: string | undefined,
  ) {
    for (const template of templates) this.templates.set(template.id, template);
  }

  list(): TemplateSummary[] {
    return [...this.templates.values()].map((template) => ({
      id: template.id,
      name: template.name,
      description: template.description,
      icon: template.icon,
      tags: template.tags,
      creates: {
        apps: Object.keys(template.apps).length,
        databases: Object.values(template.databases).map((database) => database.engine),
      },
    }));
  }

  get(id: string): Template {
    const template = this.templates.get(id);
    if (!template) throw new FlotillaError('notFound', `Template "${id}" not found`);
    return {
      ...template,
      variables: [registryDefinition(this.defaultRegistry), ...template.variables],
    };
  }

  resolve(
    id: string,
    parameters: TemplateParameters = {},
    options: ResolveOptions = {},
  ): TemplatePlan {
    const template = this.get(id);
    const variables = template.variables;
    const issues: TemplateIssue[] = [];
    const known = new Set(variables.map((variable) => variable.id));
    for (const key of Object.keys(parameters)) {
      if (!known.has(key)) {
        issues.push({ path: `parameters.${key}`, message: `not a parameter of template "${id}"` });
      }
    }
    const avoidPorts = new Set(options.avoidPorts ?? []);
    const values: Record<string, ParameterValue> = {};
    // Defaults may use ${registry}: resolve it first.
    const lookup = (name: string) =>
      values[name] === undefined ? undefined : String(values[name]);
    for (const variable of variables) {
      const given = Object.hasOwn(parameters, variable.id) ? parameters[variable.id] : undefined;
      const path = `parameters.${variable.id}`;
      let raw: ParameterValue | undefined =
        given === '' && variable.type !== 'string' && variable.type !== 'text' ? undefined : given;
      if (raw === undefined && variable.default !== undefined) {
        raw =
          typeof variable.default === 'string'
            ? interpolateString(variable.default, lookup)
            : variable.default;
      }
      if (raw === undefined && variable.generator) {
        raw = generate(variable.generator, { avoidPorts });
        if (typeof raw === 'number') avoidPorts.add(raw);
      }
      if (raw === undefined) {
        if (variable.required) issues.push({ path, message: `"${variable.label}" is required` });
        continue;
      }
      const { value, problem } = checkValue(variable, raw);
      if (problem) issues.push({ path, message: `"${variable.label}" ${problem}` });
      else values[variable.id] = value!;
    }
    if (issues.length)
      throw new TemplateError(`The parameters of template "${id}" are not valid`, issues);

    // Substitution: a variable without value (optional, not given) becomes "".
    const fill = (text: string) =>
      interpolateString(text, (name) => (values[name] === undefined ? '' : String(values[name])));
    const number = (value: number | string | undefined) =>
      value === undefined
        ? undefined
        : typeof value === 'number'
          ? value
          : fill(value).trim() === ''
            ? undefined
            : Number(fill(value));
    const secretIds = new Set(variables.filter(isSecret).map((variable) => variable.id));
    const plan = {
      template_id: template.id,
      parameters: values,
      secret_parameters: [...secretIds],
      databases: Object.entries(template.databases).map(([key, database]) => ({
        key,
        name: fill(database.name),
        engine: database.engine,
        version: fill(database.version),
      })),
      apps: Object.entries(template.apps).map(([key, app]) => {
        const port = number(app.port);
        const published = number(app.published_port);
        return {
          key,
          name: fill(app.name),
          source_type: 'image' as const,
          image_url: fill(app.image),
          ...(port === undefined ? {} : { port }),
          ...(published === undefined ? {} : { published_port: published }),
          replicas: number(app.replicas) ?? 1,
          env: Object.fromEntries(
            Object.entries(app.environment).map(([name, value]) => [name, fill(value)]),
          ),
          secret_env: Object.entries(app.environment)
            .filter(([, value]) => referencedNames(value).some((name) => secretIds.has(name)))
            .map(([name]) => name),
          ...(app.command ? { command: app.command.map(fill) } : {}),
          template_id: template.id,
        };
      }),
      bindings: Object.entries(template.apps).flatMap(([app, definition]) =>
        definition.databases.map((database) => ({ app, database })),
      ),
    };
    const checked = templatePlanSchema.safeParse(plan);
    if (!checked.success) {
      // Name the parameters that fed the value, when a template field is built from them.
      const resolvedIssues = checked.error.issues.flatMap((issue) => {
        const source = sourceText(template, plan, issue.path);
        const names = source ? referencedNames(source).filter((name) => known.has(name)) : [];
        return names.length
          ? names.map((name) => ({
              path: `parameters.${name}`,
              message: `gives ${issue.path.join('.')} a value that ${issue.message}`,
            }))
          : [{ path: issue.path.join('.'), message: issue.message }];
      });
      throw new TemplateError(`The parameters of template "${id}" are not valid`, resolvedIssues);
    }
    return checked.data;
  }
}

/** The template's own text behind a field of the plan (apps.0.name → apps.<key>.name). */
function sourceText(
  template: Template,
  plan: { apps: { key: string }[]; databases: { key: string }[] },
  path: PropertyKey[],
): string | undefined {
  const [section, index, field] = path;
  if (section !== 'apps' && section !== 'databases') return undefined;
  const key = plan[section][Number(index)]?.key;
  if (!key) return undefined;
  const source = (section === 'apps' ? template.apps[key] : template.databases[key]) as
    | Record<string, unknown>
    | undefined;
  const fieldName =
    field === 'image_url' ? 'image' : field === 'env' ? 'environment' : String(field);
  const value = source?.[fieldName];
  return typeof value === 'string'
    ? value
    : value === undefined
      ? undefined
      : JSON.stringify(value);
}

/** Reads and checks one template file; throws TemplateError naming the file and the place. */
export function readTemplate(file: string, text: string): Template {
  let data: unknown;
  try {
    data = parse(text, { version: '1.2', uniqueKeys: true });
  } catch (error) {
    throw new TemplateError(`${file} is not valid YAML`, [
      { path: file, message: (error as Error).message },
    ]);
  }
  const result = templateSchema.safeParse(data);
  if (!result.success) {
    throw new TemplateError(
      `${file} is not a valid template`,
      result.error.issues.map((issue) => ({
        path: issue.path.join('.') || '(file)',
        message: issue.message,
      })),
    );
  }
  const template = result.data;
  const issues: TemplateIssue[] = [];
  if (basename(file).replace(/\.ya?ml$/, '') !== template.id) {
    issues.push({ path: 'id', message: `must be the file's name (${basename(file)})` });
  }
  const ids = new Set<string>([registryVariable]);
  template.variables.forEach((variable, index) => {
    if (ids.has(variable.id))
      issues.push({
        path: `variables.${index}.id`,
        message: `"${variable.id}" is defined twice (or is the built-in registry)`,
      });
    ids.add(variable.id);
    if (variable.generator) {
      const problem = generatorProblem(variable.generator, variable.type);
      if (problem) issues.push({ path: `variables.${index}.generator`, message: problem });
    }
    if (variable.type === 'password' && variable.default !== undefined) {
      issues.push({
        path: `variables.${index}.default`,
        message: 'a password has no default: give it a generator',
      });
    }
  });
  for (const { path, text: value } of [
    ...templateStrings(template),
    ...template.variables.flatMap((variable, index) =>
      typeof variable.default === 'string'
        ? [{ path: `variables.${index}.default`, text: variable.default }]
        : [],
    ),
  ]) {
    try {
      for (const name of referencedNames(value)) {
        if (!ids.has(name))
          issues.push({
            path,
            message: `uses \${${name}}, which is not a variable of the template`,
          });
      }
    } catch (error) {
      if (!(error instanceof InterpolationError)) throw error;
      issues.push({ path, message: error.message });
    }
  }
  for (const [key, app] of Object.entries(template.apps)) {
    for (const database of app.databases) {
      if (!template.databases[database])
        issues.push({
          path: `apps.${key}.databases`,
          message: `"${database}" is not one of the template's databases`,
        });
    }
  }
  if (issues.length) throw new TemplateError(`${file} is not a valid template`, issues);
  return template;
}

/**
 * Loads every *.yaml template of a folder, checks each, and proves each resolves with its defaults
 * (and a registry), so a template that could never be instantiated stops the start.
 */
export function loadTemplates(options: CatalogOptions = {}): TemplateCatalog {
  const directory = options.directory ?? shippedTemplatesDirectory;
  const files = readdirSync(directory)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  const templates = files.map((name) =>
    readTemplate(name, readFileSync(join(directory, name), 'utf8')),
  );
  const seen = new Set<string>();
  for (const template of templates) {
    if (seen.has(template.id))
      throw new TemplateError(`Two templates have the id "${template.id}"`);
    seen.add(template.id);
  }
  const catalog = new Catalog(templates, options.defaultRegistry);
  for (const template of templates) {
    try {
      catalog.resolve(
        template.id,
        options.defaultRegistry ? {} : { registry: 'registry.invalid:5000' },
      );
    } catch (error) {
      if (error instanceof TemplateError) {
        throw new TemplateError(
          `templates/${template.id}.yaml does not resolve with its defaults`,
          error.issues,
        );
      }
      throw error;
    }
  }
  return catalog;
}
