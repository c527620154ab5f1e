import { describe, expect, it } from 'vitest';
import { analyze, normalize } from './analyze.ts';
import { diff } from './diff.ts';
import { parseCompose } from './parse.ts';
import type { StackDefinition } from './schemas.ts';

function definition(yaml: string): StackDefinition {
  const parsed = parseCompose(yaml);
  return normalize(parsed, analyze(parsed), { drop: false }).definition;
}

const version1 = definition(`
services:
  web:
    image: r.example:5000/echo:1
    ports: ["8080:80"]
    environment:
      DATABASE_PASSWORD: first-secret
      GREETING: hello
      OLD: x
  cache:
    image: r.example:5000/redis:7
  worker:
    image: r.example:5000/worker:1
`);

const version2 = definition(`
services:
  web:
    image: r.example:5000/echo:2
    ports: ["8080:80"]
    deploy: {replicas: 3}
    environment:
      DATABASE_PASSWORD: second-secret
      GREETING: hello
      NEW: y
  cache:
    image: r.example:5000/redis:7
  search:
    image: r.example:5000/search:1
`);

describe('diff', () => {
  it('lists an added, a removed and a changed service, the unchanged apart', () => {
    const changes = diff(version1, version2);
    expect(changes.services.map(({ name, change, image }) => ({ name, change, image }))).toEqual([
      { name: 'search', change: 'added', image: 'r.example:5000/search:1' },
      { name: 'web', change: 'changed', image: 'r.example:5000/echo:2' },
      { name: 'worker', change: 'removed', image: 'r.example:5000/worker:1' },
    ]);
    expect(changes.unchanged).toEqual(['cache']);
  });

  it('names the changed fields of a service: image and replicas with values, env by name only', () => {
    const web = diff(version1, version2).services.find((service) => service.name === 'web')!;
    expect(web.fields).toEqual([
      { kind: 'value', field: 'image', from: 'r.example:5000/echo:1', to: 'r.example:5000/echo:2' },
      { kind: 'value', field: 'replicas', from: 1, to: 3 },
      {
        kind: 'env',
        field: 'env',
        added: ['NEW'],
        removed: ['OLD'],
        changed: ['DATABASE_PASSWORD'],
      },
    ]);
    expect(JSON.stringify(diff(version1, version2))).not.toMatch(/first-secret|second-secret/);
  });

  it('finds nothing between a definition and itself, and mirrors when reversed', () => {
    const same = diff(version1, version1);
    expect(same.services).toEqual([]);
    expect(same.unchanged).toEqual(['cache', 'web', 'worker']);
    const back = diff(version2, version1);
    expect(back.services.map(({ name, change }) => [name, change])).toEqual([
      ['search', 'removed'],
      ['web', 'changed'],
      ['worker', 'added'],
    ]);
  });

  it('lists networks and volumes that came and went', () => {
    const a = definition(
      'services:\n  a:\n    image: r.example:5000/a:1\n    volumes: ["one:/one"]\nvolumes:\n  one: {}\n',
    );
    const b = definition(
      'services:\n  a:\n    image: r.example:5000/a:1\n    networks: [front]\nnetworks:\n  front: {}\n',
    );
    const changes = diff(a, b);
    expect(changes.volumes).toEqual({ added: [], removed: ['one'], changed: [] });
    expect(changes.networks).toEqual({ added: ['front'], removed: [], changed: [] });
    expect(changes.services[0]?.fields.map((field) => field.field)).toEqual([
      'volumes',
      'networks',
    ]);
  });
});
