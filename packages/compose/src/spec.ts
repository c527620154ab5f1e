// Validation against the compose specification's own JSON schema (compose-spec/compose-spec,
// schema/compose-spec.json), never rules written here by hand. The schema comes from the `dclint`
// package, which ships the official file unchanged (verified JSON-equal to compose-spec commit
// 58a2548 of 2025-07-21); only that file is read, the linter never runs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { PathSegment } from './errors.ts';

/** Where the schema comes from, for the README, the API's docs and support questions. */
export const composeSpecSchema = {
  source: 'compose-spec/compose-spec schema/compose-spec.json, shipped by dclint 3.1.0',
  commit: '58a2548c4a5c81454433d91d4da18210d6dc0e46',
  date: '2025-07-21',
  draft: 'draft-07',
} as const;

export interface SpecIssue {
  path: PathSegment[];
  message: string;
}

function loadSchema(): Record<string, unknown> {
  // dclint's `exports` lists only its entry point and package.json: find the folder through the
  // latter and read the file beside it.
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('dclint/package.json'));
  const schema = JSON.parse(readFileSync(join(root, 'schemas', 'compose.schema.json'), 'utf8'));
  // "$schema" names draft-07 by its https address, which Ajv does not know by that spelling; Ajv's
  // default draft is 07 anyway.
  const { $schema: _draft, ...rest } = schema as Record<string, unknown>;
  return rest;
}

let loaded: Record<string, unknown> | undefined;
let compiled: ValidateFunction | undefined;

function schema(): Record<string, unknown> {
  loaded ??= loadSchema();
  return loaded;
}

/** The top-level keys the specification defines (`x-` extensions aside). */
export function composeTopLevelKeys(): string[] {
  return Object.keys((schema().properties ?? {}) as Record<string, unknown>);
}

/** The keys the specification defines for a service. */
export function composeServiceKeys(): string[] {
  const definitions = schema().definitions as { service: { properties: Record<string, unknown> } };
  return Object.keys(definitions.service.properties);
}

function validator(): ValidateFunction {
  // strictTypes off: the official schema mixes `additionalProperties` into oneOf branches without
  // `type`, which Ajv's strict type checks reject although the schema is valid draft-07.
  compiled ??= new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    allowUnionTypes: true,
  }).compile(schema());
  return compiled;
}

/** Every place where `value` breaks the compose specification; empty when it conforms. */
export function validateComposeSpec(value: unknown): SpecIssue[] {
  const validate = validator();
  if (validate(value)) return [];
  return describe(validate.errors ?? []);
}

function segments(instancePath: string): PathSegment[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * Ajv reports every failed branch of a `oneOf` (a port is a number, a string or a mapping): merge
 * them into one message per place, keep unknown keys as their own issue, and drop an umbrella
 * error when a deeper one says more.
 */
function describe(errors: ErrorObject[]): SpecIssue[] {
  const byPath = new Map<string, { path: PathSegment[]; types: Set<string>; messages: string[] }>();
  const at = (path: PathSegment[]) => {
    const key = JSON.stringify(path);
    let entry = byPath.get(key);
    if (!entry) {
      entry = { path, types: new Set(), messages: [] };
      byPath.set(key, entry);
    }
    return entry;
  };
  for (const error of errors) {
    const path = segments(error.instancePath);
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String((error.params as { additionalProperty: string }).additionalProperty);
        at([...path, key]).messages.push(`unknown key "${key}"`);
        break;
      }
      case 'type': {
        const type = (error.params as { type: string | string[] }).type;
        for (const name of [type].flat()) at(path).types.add(name);
        break;
      }
      case 'enum': {
        const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
        at(path).messages.push(
          `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
        );
        break;
      }
      case 'oneOf':
      case 'anyOf':
      case 'if':
        // Said better by the branches' own errors at this place or below.
        at(path);
        break;
      case 'required': {
        const missing = (error.params as { missingProperty: string }).missingProperty;
        at([...path, missing]).messages.push('is required');
        break;
      }
      case 'pattern':
      case 'propertyNames':
        at(path).messages.push(error.message ?? 'has an invalid name');
        break;
      default:
        at(path).messages.push(error.message ?? `breaks "${error.keyword}"`);
    }
  }
  const entries = [...byPath.values()];
  const issues: SpecIssue[] = [];
  for (const entry of entries) {
    const messages = [...entry.messages];
    if (entry.types.size) messages.unshift(`must be ${joinOr([...entry.types])}`);
    if (messages.length === 0) {
      // Only an umbrella oneOf here: keep it only when nothing deeper explains it.
      const deeper = entries.some(
        (other) =>
          other !== entry &&
          other.path.length > entry.path.length &&
          entry.path.every((segment, index) => other.path[index] === segment),
      );
      if (deeper) continue;
      messages.push('does not match any allowed form');
    }
    issues.push({ path: entry.path, message: [...new Set(messages)].join('; ') });
  }
  return issues;
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
