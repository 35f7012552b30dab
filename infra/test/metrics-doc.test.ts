import { describe, expect, it } from 'vitest';
import { DEFAULT_COLLECTOR_METRICS, METRICS, type MetricDefinition } from '@vadfleet/shared/metrics';
import { panelsOf, readDashboards, readRepoFile, readRuleGroups } from './repo-files.js';

const doc = readRepoFile('docs/metrics.md');

/** The table row of docs/metrics.md that starts with a metric's name, split into cells. */
function rowOf(name: string): string[] | undefined {
  const line = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
  return line?.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
}

describe('docs/metrics.md', () => {
  it('documents every vocabulary metric with its type, unit, labels and exporters', () => {
    for (const def of Object.values(METRICS) as MetricDefinition[]) {
      const row = rowOf(def.name);
      expect(row, `${def.name} has no row`).toBeDefined();
      const [, type, unit, labels, exporters, help] = row!;
      expect(type, def.name).toBe(def.type);
      expect(unit, def.name).toBe(def.unit);
      for (const label of def.labels) expect(labels, def.name).toContain(`\`${label}\``);
      if (def.labels.length === 0) expect(labels, def.name).toBe('—');
      expect(exporters, def.name).toBe(def.exportedBy.join(', '));
      expect(help, def.name).toBe(def.help);
    }
  });

  it('documents the default-collector metrics the dashboards use', () => {
    for (const name of DEFAULT_COLLECTOR_METRICS) expect(rowOf(name), name).toBeDefined();
  });

  it('describes every dashboard panel and every alert', () => {
    for (const { file, dashboard } of readDashboards()) {
      expect(doc, file).toContain(`(\`${file}\`, uid \`${dashboard.uid}\`)`);
      const section = doc.slice(doc.indexOf(`\`${file}\``));
      for (const row of dashboard.panels.filter((p) => p.type === 'row')) expect(section, `${file} row ${row.title}`).toContain(`**${row.title}**`);
      for (const panel of panelsOf(dashboard)) expect(section, `${file} panel ${panel.title}`).toContain(`- *${panel.title}* — `);
    }
    for (const rule of readRuleGroups().flatMap((g) => g.rules)) {
      expect(doc, rule.alert ?? rule.record).toContain(`\`${rule.alert ?? rule.record}\``);
    }
  });
});
