/**
 * Series names a PromQL expression reads. Enough of PromQL for our dashboards and rules: strings, label
 * matchers, ranges, grouping clauses and Grafana variables are stripped; what is left that is not a
 * function call, keyword or number is a metric name.
 */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan']);

export function seriesNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (call || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** Grafana's variables replaced by values Prometheus accepts (for evaluating panel queries directly). */
export function substituteGrafanaVariables(expr: string, values: { job: string; instance: string; rateInterval: string; range: string }): string {
  return expr
    .replaceAll('$__rate_interval', values.rateInterval)
    .replaceAll('$__interval', values.rateInterval)
    .replaceAll('$__range', values.range)
    .replaceAll('$job', values.job)
    .replaceAll('$instance', values.instance);
}
