// What changed between two stack definitions, service by service (stack.compare). Environment
// values never appear: they may be secrets, so only the names of added, removed and changed
// variables are listed.
import { canonical } from './canonical.ts';
import type {
  FieldChange,
  ServiceDiff,
  StackDefinition,
  StackDiff,
  StackService,
} from './schemas.ts';

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The order fields are listed in: what people look for first. */
const fieldOrder: (keyof StackService)[] = [
  'image',
  'replicas',
  'mode',
  'ports',
  'env',
  'command',
  'entrypoint',
  'volumes',
  'healthcheck',
  'resources',
  'networks',
  'secrets',
  'configs',
  'placement',
  'restart',
  'update',
  'rollback',
];

function serviceFields(a: StackService, b: StackService): FieldChange[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof StackService)[]);
  const ordered = [
    ...fieldOrder.filter((key) => keys.has(key)),
    ...[...keys].filter((key) => !fieldOrder.includes(key)).sort(byName),
  ];
  const changes: FieldChange[] = [];
  for (const field of ordered) {
    if (field === 'env') {
      const before = a.env;
      const after = b.env;
      const added = Object.keys(after)
        .filter((key) => !Object.hasOwn(before, key))
        .sort(byName);
      const removed = Object.keys(before)
        .filter((key) => !Object.hasOwn(after, key))
        .sort(byName);
      const changed = Object.keys(after)
        .filter((key) => Object.hasOwn(before, key) && before[key] !== after[key])
        .sort(byName);
      if (added.length || removed.length || changed.length) {
        changes.push({ kind: 'env', field: 'env', added, removed, changed });
      }
      continue;
    }
    if (!same(a[field], b[field])) {
      changes.push({ kind: 'value', field, from: a[field] ?? null, to: b[field] ?? null });
    }
  }
  return changes;
}

function names(a: Record<string, unknown>, b: Record<string, unknown>) {
  return {
    added: Object.keys(b)
      .filter((key) => !Object.hasOwn(a, key))
      .sort(byName),
    removed: Object.keys(a)
      .filter((key) => !Object.hasOwn(b, key))
      .sort(byName),
    changed: Object.keys(b)
      .filter((key) => Object.hasOwn(a, key) && !same(a[key], b[key]))
      .sort(byName),
  };
}

/** From `a` (the older version) to `b`. */
export function diff(a: StackDefinition, b: StackDefinition): StackDiff {
  const services: ServiceDiff[] = [];
  const unchanged: string[] = [];
  const all = [...new Set([...Object.keys(a.services), ...Object.keys(b.services)])].sort(byName);
  for (const name of all) {
    const before = a.services[name];
    const after = b.services[name];
    if (!before && after) {
      services.push({ name, change: 'added', image: after.image, fields: [] });
    } else if (before && !after) {
      services.push({ name, change: 'removed', image: before.image, fields: [] });
    } else if (before && after) {
      const fields = serviceFields(before, after);
      if (fields.length) services.push({ name, change: 'changed', image: after.image, fields });
      else unchanged.push(name);
    }
  }
  return {
    services,
    unchanged,
    networks: names(a.networks, b.networks),
    volumes: names(a.volumes, b.volumes),
    secrets: names(a.secrets, b.secrets),
    configs: names(a.configs, b.configs),
  };
}
