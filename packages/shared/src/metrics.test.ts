import { describe, expect, it } from 'vitest';
import { METRICS, httpStatusClass, knownSeriesNames, type MetricDefinition } from './metrics.js';

const definitions = Object.values(METRICS) as MetricDefinition[];

describe('metric vocabulary', () => {
  it('follows Prometheus naming: vadfleet_ prefix, _total only on counters, base-unit suffixes', () => {
    for (const def of definitions) {
      expect(def.name, def.name).toMatch(/^vadfleet_[a-z][a-z0-9_]*[a-z0-9]$/);
      expect(def.name.endsWith('_total'), `${def.name}: _total iff counter`).toBe(def.type === 'counter');
      if (def.unit === 'seconds') expect(def.name, def.name).toMatch(/_seconds(_total)?$/);
      if (def.unit === 'bytes') expect(def.name, def.name).toMatch(/_bytes(_total)?$/);
      if (def.unit === 'ratio') expect(def.name, def.name).toMatch(/_ratio$/);
      expect(def.name, `${def.name} uses a non-base unit`).not.toMatch(/_(ms|milliseconds|minutes|hours|kb|mb|mib|percent)(_|$)/);
      expect(def.help.length, def.name).toBeGreaterThan(10);
      expect(def.exportedBy.length, def.name).toBeGreaterThan(0);
    }
  });

  it('defines each name once, histograms with ascending buckets, label values only for declared labels', () => {
    expect(new Set(definitions.map((d) => d.name)).size).toBe(definitions.length);
    for (const def of definitions) {
      if (def.type === 'histogram') {
        const buckets = def.buckets ?? [];
        expect(buckets.length, def.name).toBeGreaterThan(3);
        expect([...buckets].sort((a, b) => a - b), def.name).toEqual(buckets);
      } else {
        expect(def.buckets, def.name).toBeUndefined();
      }
      for (const label of Object.keys(def.labelValues ?? {})) expect(def.labels, def.name).toContain(label);
    }
  });

  it('never labels by unbounded identifiers', () => {
    for (const def of definitions) {
      for (const label of def.labels) expect(['job_id', 'jobid', 'id', 'tenant', 'key', 'file', 'url', 'path']).not.toContain(label);
    }
  });

  it('lists histogram series with their suffixes', () => {
    const names = knownSeriesNames();
    expect(names.has('vadfleet_stage_duration_seconds_bucket')).toBe(true);
    expect(names.has('vadfleet_stage_duration_seconds')).toBe(false);
    expect(names.has('vadfleet_jobs_total')).toBe(true);
    expect(names.has('process_cpu_seconds_total')).toBe(true);
  });

  it('maps HTTP statuses to bounded classes', () => {
    expect([101, 200, 204, 302, 404, 429, 500, 503].map(httpStatusClass)).toEqual(['1xx', '2xx', '2xx', '3xx', '4xx', '4xx', '5xx', '5xx']);
  });
});
