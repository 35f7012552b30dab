import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const repoPath = (relative: string): string => new URL(`../../${relative}`, import.meta.url).pathname;

export function readRepoFile(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}

/** YAML with `<<:` merge keys resolved, as docker compose reads it. */
export function readYaml<T = unknown>(relative: string): T {
  return parse(readRepoFile(relative), { merge: true }) as T;
}

export interface DashboardPanel {
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
  panels?: DashboardPanel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: { name: string; query: string | { query: string } }[] };
}

export const DASHBOARD_DIR = 'infra/grafana/dashboards';

export function readDashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(repoPath(DASHBOARD_DIR))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readRepoFile(`${DASHBOARD_DIR}/${file}`)) as Dashboard }));
}

/** Panels including those nested in collapsed rows, rows themselves excluded. */
export function panelsOf(dashboard: Dashboard): DashboardPanel[] {
  return dashboard.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

export interface RuleGroup {
  name: string;
  rules: { record?: string; alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[];
}

export const RULES_FILE = 'infra/prometheus/rules/vadfleet.rules.yml';

export function readRuleGroups(): RuleGroup[] {
  return readYaml<{ groups: RuleGroup[] }>(RULES_FILE).groups;
}
