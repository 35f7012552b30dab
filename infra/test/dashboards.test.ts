import { describe, expect, it } from 'vitest';
import { METRICS, knownSeriesNames, type MetricDefinition } from '@vadfleet/shared/metrics';
import { seriesNamesIn } from './promql-names.js';
import { panelsOf, readDashboards, readRuleGroups, readYaml } from './repo-files.js';

const dashboards = readDashboards();
const known = knownSeriesNames();
const recorded = new Set(readRuleGroups().flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
const datasourceUids = readYaml<{ datasources: { uid: string }[] }>('infra/grafana/provisioning/datasources/prometheus.yml').datasources.map((d) => d.uid);

describe('seriesNamesIn', () => {
  it('finds metric names and skips functions, labels, ranges, keywords and variables', () => {
    expect(seriesNamesIn('histogram_quantile(0.95, sum by (le, stage) (rate(vadfleet_stage_duration_seconds_bucket{job=~"$job",stage="a b"}[$__rate_interval])))')).toEqual(['vadfleet_stage_duration_seconds_bucket']);
    expect(seriesNamesIn('max(vadfleet_workers_alive) == 0 or on() absent(up{job="w"} == 1)')).toEqual(['vadfleet_workers_alive', 'up']);
    expect(seriesNamesIn('a:b:c > 0 and deriv(a:b:c[10m]) > 0.5e3 unless x offset 1h')).toEqual(['a:b:c', 'x']);
  });
});

describe.each(dashboards)('dashboard $file', ({ dashboard }) => {
  const panels = panelsOf(dashboard);

  it('has $job and $instance variables', () => {
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(expect.arrayContaining(['job', 'instance']));
  });

  it('gives every panel a unit, a description and the provisioned datasource', () => {
    expect(panels.length).toBeGreaterThan(5);
    for (const panel of panels) {
      expect(panel.fieldConfig?.defaults?.unit, `panel "${panel.title}" has no unit`).toBeTruthy();
      expect(panel.description?.length ?? 0, `panel "${panel.title}" has no description`).toBeGreaterThan(20);
      expect(datasourceUids, `panel "${panel.title}" datasource`).toContain(panel.datasource?.uid);
      expect(panel.targets?.length ?? 0, `panel "${panel.title}" has no query`).toBeGreaterThan(0);
    }
  });

  it('queries only metrics defined in packages/shared/src/metrics.ts', () => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        const names = seriesNamesIn(target.expr);
        expect(names.length, `panel "${panel.title}" ${target.refId}: no metric in ${target.expr}`).toBeGreaterThan(0);
        for (const name of names) expect(known.has(name), `panel "${panel.title}" uses unknown metric ${name}: ${target.expr}`).toBe(true);
      }
    }
  });

  it('filters every vadfleet_ series by $job and $instance', () => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        for (const selector of target.expr.matchAll(/(vadfleet_\w+|process_\w+|nodejs_\w+)(\{[^}]*\})?/g)) {
          expect(selector[2] ?? '', `panel "${panel.title}": ${selector[0]}`).toMatch(/instance=~"\$instance"/);
          expect(selector[2] ?? '', `panel "${panel.title}": ${selector[0]}`).toMatch(/job=~"\$job"/);
        }
      }
    }
  });
});

describe('dashboards together', () => {
  it('have distinct uids and panel ids per dashboard', () => {
    expect(new Set(dashboards.map((d) => d.dashboard.uid)).size).toBe(dashboards.length);
    for (const { file, dashboard } of dashboards) {
      const ids = dashboard.panels.map((p) => (p as { id?: number }).id);
      expect(new Set(ids).size, file).toBe(ids.length);
    }
  });

  it('show every metric of the vocabulary somewhere', () => {
    const used = new Set(dashboards.flatMap(({ dashboard }) => panelsOf(dashboard).flatMap((p) => (p.targets ?? []).flatMap((t) => seriesNamesIn(t.expr)))));
    for (const def of Object.values(METRICS) as MetricDefinition[]) {
      const series = def.type === 'histogram' ? [`${def.name}_bucket`, `${def.name}_count`, `${def.name}_sum`] : [def.name];
      expect(series.some((s) => used.has(s)), `${def.name} is on no dashboard`).toBe(true);
    }
  });
});

describe('alert and recording rules', () => {
  it('use only vocabulary metrics and the names recorded in the same file', () => {
    for (const group of readRuleGroups()) {
      for (const rule of group.rules) {
        for (const name of seriesNamesIn(rule.expr)) {
          expect(known.has(name) || recorded.has(name), `${rule.alert ?? rule.record} uses unknown metric ${name}`).toBe(true);
        }
      }
    }
  });

  it('give every alert a severity, a summary and a description', () => {
    const alerts = readRuleGroups().flatMap((g) => g.rules.filter((r) => r.alert));
    expect(alerts.length).toBeGreaterThanOrEqual(7);
    for (const alert of alerts) {
      expect(['warning', 'critical'], alert.alert).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.description, alert.alert).toBeTruthy();
    }
  });
});
