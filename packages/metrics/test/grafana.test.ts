// The Grafana dashboard queries only what Flotilla exposes: every metric name in its PromQL is a
// series the API's or the worker's registry writes, every label it selects or groups by is one
// of that metric's, and every metric Flotilla defines is on the dashboard.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricObject } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiMetrics, createWorkerMetrics, definitions } from '../src/index.ts';

interface Panel {
  type: string;
  title: string;
  panels?: Panel[];
  targets?: { expr: string; refId: string }[];
}

const dashboard = JSON.parse(
  readFileSync(new URL('../grafana/flotilla.json', import.meta.url), 'utf8'),
) as { uid: string; title: string; panels: Panel[] };

const api = createApiMetrics({ version: 'test' });
const worker = createWorkerMetrics({
  version: 'test',
  sshPool: () => ({ connections: 0, opened: 0, channels: 0, waiting: 0 }),
});
afterAll(() => {
  api.close();
  worker.close();
});

/** Series name → the labels it carries, as Prometheus stores them (histograms as three series). */
async function exposed(): Promise<Map<string, Set<string>>> {
  const series = new Map<string, Set<string>>();
  const metrics: MetricObject[] = [
    ...(await api.registry.getMetricsAsJSON()),
    ...(await worker.registry.getMetricsAsJSON()),
  ];
  for (const metric of metrics) {
    // Prometheus adds `instance` and `job` to every series it scrapes.
    const labels = new Set(['instance', 'job']);
    for (const registry of [api.registry, worker.registry]) {
      const known = registry.getSingleMetric(metric.name) as { labelNames?: string[] } | undefined;
      for (const label of known?.labelNames ?? []) labels.add(label);
    }
    const type = String(metric.type);
    const names =
      type === 'histogram'
        ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
        : type === 'summary'
          ? [metric.name, `${metric.name}_sum`, `${metric.name}_count`]
          : [metric.name];
    for (const name of names) {
      const own = new Set(labels);
      if (name.endsWith('_bucket')) own.add('le');
      if (type === 'summary' && name === metric.name) own.add('quantile');
      series.set(name, own);
    }
  }
  return series;
}

function panelsOf(panels: Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...panelsOf(panel.panels ?? [])]);
}

const queries = panelsOf(dashboard.panels).flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
);

// Metric names: Flotilla's own and Node's (prom-client's defaults). Label names never start so.
const metricName = /\b(?:flotilla|process|nodejs)_[a-z0-9_]+\b/g;

describe('the Grafana dashboard', () => {
  it('is a dashboard with panels that all have queries', () => {
    expect(dashboard).toMatchObject({ uid: 'flotilla', title: 'Flotilla' });
    const graphs = panelsOf(dashboard.panels).filter((panel) => panel.type !== 'row');
    expect(graphs.length).toBeGreaterThan(10);
    for (const panel of graphs) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
  });

  it('queries only series the API and the worker expose, with their labels', async () => {
    const series = await exposed();
    for (const { panel, expr } of queries) {
      const names = expr.match(metricName) ?? [];
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      const labels = new Set<string>();
      for (const name of names) {
        expect(series.has(name), `${panel}: ${name} is not exposed`).toBe(true);
        for (const label of series.get(name) ?? []) labels.add(label);
      }
      // `{label=~"…"}` matchers and `by (label, …)` groupings name labels of those metrics.
      const used = [
        ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap(([, matchers]) =>
          (matchers ?? '').split(',').map((matcher) => matcher.split(/[=!~]/)[0]?.trim() ?? ''),
        ),
        ...[...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap(([, list]) =>
          (list ?? '').split(',').map((label) => label.trim()),
        ),
      ].filter(Boolean);
      for (const label of used) expect(labels.has(label), `${panel}: label ${label}`).toBe(true);
    }
  });

  it('is valid PromQL (promtool, as recording rules, the intervals Grafana fills in set)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-dashboard-'));
    try {
      const rules = queries.map(
        ({ expr }, i) =>
          `      - record: flotilla_dashboard:query${i}\n        expr: ${JSON.stringify(expr.replaceAll(/\$__(rate_)?interval/g, '5m'))}`,
      );
      const file = join(dir, 'rules.yml');
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      const check = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows every metric Flotilla defines', () => {
    const all = queries.map((query) => query.expr).join('\n');
    for (const definition of Object.values(definitions)) {
      expect(all, definition.name).toMatch(
        new RegExp(`\\b${definition.name}(_bucket|_sum|_count)?\\b`),
      );
    }
  });
});
