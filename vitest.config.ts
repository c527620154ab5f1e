import { defineConfig } from 'vitest/config';

// vitest 5's reporter calls Map.groupBy (Node 21+) when it prints errors; Node 20 lacks it.
const MapWithGroupBy = Map as unknown as { groupBy?: unknown };
if (!MapWithGroupBy.groupBy) {
  MapWithGroupBy.groupBy = <K, T>(items: Iterable<T>, key: (item: T, index: number) => K) => {
    const groups = new Map<K, T[]>();
    let index = 0;
    for (const item of items) {
      const k = key(item, index++);
      groups.set(k, [...(groups.get(k) ?? []), item]);
    }
    return groups;
  };
}

// One config for the whole repository; each workspace package is a project.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
