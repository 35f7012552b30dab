/**
 * infra/k8s without a cluster: the base and both overlays are rendered as kustomize would and every
 * object is validated against the Kubernetes, KEDA and Prometheus Operator schemas (k8s-validate.ts),
 * then checked for what the deployment promises: grace periods, non-root read-only pods, config keys
 * the apps know, the queue-depth trigger, the GPU settings, and monitoring objects equal to the files
 * Prometheus and Grafana load.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apiConfigSchema, workerConfigSchema } from '@vadfleet/shared/config';
import { METRICS } from '@vadfleet/shared/metrics';
import { k8sDir, readObjects, renderKustomization, type K8sObject } from './kustomize.js';
import { validateObjects } from './k8s-validate.js';
import { RULES_FILE, readDashboards, readRepoFile, repoRoot } from './repo-files.js';

const OVERLAYS = ['cpu', 'gpu'] as const;
const rendered = Object.fromEntries(OVERLAYS.map((o) => [o, renderKustomization(k8sDir(`overlays/${o}`))])) as Record<(typeof OVERLAYS)[number], K8sObject[]>;
const base = renderKustomization(k8sDir('base'));
const secretExample = readObjects(k8sDir('secret.example.yaml'));

const find = (objects: K8sObject[], kind: string, name: string): any => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const podSpec = (objects: K8sObject[], name: string) => find(objects, 'Deployment', name).spec.template.spec;
const workerContainer = (objects: K8sObject[]) => podSpec(objects, 'vadfleet-worker').containers.find((c: { name: string }) => c.name === 'worker');

describe('schemas', () => {
  it('every object of the base, both overlays and the example Secret validates', () => {
    expect(validateObjects([...base, ...rendered.cpu, ...rendered.gpu, ...secretExample])).toEqual([]);
  }, 60_000);

  it('a renamed field, a wrong type or a wrong apiVersion fails', () => {
    const mutant = (name: string, change: (o: any) => void, kind = 'Deployment', of = 'vadfleet-worker'): K8sObject => {
      const o = structuredClone(find(base, kind, of));
      o.metadata.name = name;
      change(o);
      return o;
    };
    const problems = validateObjects([
      mutant('renamed-spec-field', (o) => ((o.spec.replica = o.spec.replicas), delete o.spec.replicas)),
      mutant('renamed-probe-field', (o) => (o.spec.template.spec.containers[0].readinesProbe = o.spec.template.spec.containers[0].readinessProbe)),
      mutant('wrong-type', (o) => (o.spec.template.spec.terminationGracePeriodSeconds = 'forty-five')),
      mutant('wrong-api-version', (o) => (o.apiVersion = 'apps/v1beta2')),
      mutant('renamed-keda-field', (o) => ((o.spec.maxReplicas = o.spec.maxReplicaCount), delete o.spec.maxReplicaCount), 'ScaledObject'),
      mutant('wrong-keda-version', (o) => (o.apiVersion = 'keda.sh/v1'), 'ScaledObject'),
      mutant('renamed-rule-field', (o) => (o.spec.groups[0].rules[0].expression = o.spec.groups[0].rules[0].expr), 'PrometheusRule', 'vadfleet'),
    ]);
    for (const name of ['renamed-spec-field', 'renamed-probe-field', 'wrong-type', 'wrong-api-version', 'renamed-keda-field', 'wrong-keda-version', 'renamed-rule-field']) {
      expect(problems.some((p) => p.includes(` ${name}: `)), `${name} in:\n${problems.join('\n')}`).toBe(true);
    }
  }, 60_000);
});

describe.each(OVERLAYS)('the %s overlay', (overlay) => {
  const objects = rendered[overlay];
  const config = find(objects, 'ConfigMap', 'vadfleet-config').data as Record<string, string>;

  it('puts everything in the vadfleet namespace and pulls images from the registry it names', () => {
    for (const o of objects) if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe('vadfleet');
    for (const name of ['vadfleet-api', 'vadfleet-worker']) {
      const spec = podSpec(objects, name);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) expect(c.image).toMatch(/^registry\.example\.com\/vadfleet\//);
    }
  });

  it('gives workers a grace period above SHUTDOWN_TIMEOUT_MS and probes on the metrics port', () => {
    const spec = podSpec(objects, 'vadfleet-worker');
    expect(spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(config.SHUTDOWN_TIMEOUT_MS));
    const worker = workerContainer(objects);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(worker[probe].httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(worker.ports).toEqual([{ name: 'metrics', containerPort: Number(config.METRICS_PORT) }]);
    expect(config.METRICS_HOST).toBe('0.0.0.0');
  });

  it('runs every pod non-root, read-only, without a service-account token, with requests and limits', () => {
    for (const name of ['vadfleet-api', 'vadfleet-worker']) {
      const spec = podSpec(objects, name);
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: expect.any(Number) });
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.securityContext, `${name}/${c.name}`).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        expect(Object.keys(c.resources.requests).sort(), `${name}/${c.name}`).toEqual(['cpu', 'memory']);
        expect(c.resources.limits, `${name}/${c.name}`).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
      }
    }
    expect(find(objects, 'ServiceAccount', 'vadfleet').automountServiceAccountToken).toBe(false);
  });

  it('configures the apps only with variables they read, secrets from the Secret', () => {
    const known = new Set([...Object.keys(apiConfigSchema.shape), ...Object.keys(workerConfigSchema.shape)]);
    const secretKeys = Object.keys(secretExample[0].stringData as object);
    for (const key of [...Object.keys(config), ...secretKeys]) expect(known.has(key), key).toBe(true);
    for (const secret of ['API_KEYS', 'S3_SECRET_ACCESS_KEY', 'WEBHOOK_SECRET', 'REDIS_URL']) {
      expect(config[secret]).toBeUndefined();
      expect(secretKeys).toContain(secret);
    }
    for (const name of ['vadfleet-api', 'vadfleet-worker']) {
      expect(podSpec(objects, name).containers[0].envFrom).toEqual([{ configMapRef: { name: 'vadfleet-config' } }, { secretRef: { name: 'vadfleet-secrets' } }]);
    }
    // The worker's model comes from the init container, into the directory the worker reads.
    const init = podSpec(objects, 'vadfleet-worker').initContainers[0];
    expect(init.env).toContainEqual({ name: 'VAD_MODEL_DIR', value: config.VAD_MODEL_DIR });
  });

  it('scales workers with KEDA on the API\'s backlog (waiting + prioritized) through Prometheus', () => {
    const scaled = find(objects, 'ScaledObject', 'vadfleet-worker');
    expect(scaled.spec.scaleTargetRef).toEqual({ name: 'vadfleet-worker' });
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(scaled.spec.maxReplicaCount).toBeGreaterThan(scaled.spec.minReplicaCount);
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metadata.query).toContain(`${METRICS.queueJobs.name}{`);
    expect(trigger.metadata.query).toContain('state=~"waiting|prioritized"');
    expect(Number(trigger.metadata.threshold)).toBeGreaterThan(0);
    expect(trigger.metadata.activationThreshold).toBeDefined();
    // The feeder lets at least a full fleet's worth of one tenant's batch into the queue.
    expect(Number(config.BATCH_MAX_IN_FLIGHT_PER_TENANT)).toBeGreaterThanOrEqual(Number(trigger.metadata.threshold) * scaled.spec.maxReplicaCount);
  });

  it('lets only Prometheus reach the workers, on the metrics port', () => {
    const policy = find(objects, 'NetworkPolicy', 'vadfleet-worker');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'vadfleet-worker' } });
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toHaveLength(1);
    expect(policy.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: Number(config.METRICS_PORT) }]);
    expect(policy.spec.ingress[0].from[0].podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'prometheus' });
  });
});

describe('the gpu overlay', () => {
  it('asks for an NVIDIA GPU on GPU nodes and runs CUDA inference with batching', () => {
    const spec = podSpec(rendered.gpu, 'vadfleet-worker');
    const worker = workerContainer(rendered.gpu);
    expect(worker.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(spec.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    expect(worker.env).toContainEqual({ name: 'VAD_PROVIDER', value: 'cuda' });
    expect(Number(worker.env.find((e: { name: string }) => e.name === 'INFERENCE_MAX_BATCH').value)).toBeGreaterThan(1);
    expect(worker.image).toMatch(/cuda12$/);
    // The CPU overlay keeps CPU inference and no GPU.
    expect(workerContainer(rendered.cpu).resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(find(rendered.cpu, 'ConfigMap', 'vadfleet-config').data.VAD_PROVIDER).toBe('cpu');
  });
});

describe('monitoring objects', () => {
  it('are what scripts/k8s-generate.mjs makes now', () => {
    expect(() => execFileSync(process.execPath, ['scripts/k8s-generate.mjs', '--check'], { cwd: repoRoot, stdio: 'pipe' })).not.toThrow();
  }, 30_000);

  it('the PrometheusRule holds the groups of the rules file promtool checks', () => {
    expect(find(base, 'PrometheusRule', 'vadfleet').spec.groups).toEqual((parse(readRepoFile(RULES_FILE)) as { groups: unknown }).groups);
  });

  it('every Grafana dashboard is a ConfigMap with the sidecar label and the same JSON', () => {
    const dashboards = readDashboards();
    const maps = base.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
    expect(maps).toHaveLength(dashboards.length);
    for (const { file, dashboard } of dashboards) {
      const map = maps.find((m) => file in (m.data as object))!;
      expect(JSON.parse((map.data as Record<string, string>)[file])).toEqual(dashboard);
    }
  });

  it('ServiceMonitors scrape the API\'s and the workers\' /metrics', () => {
    expect(find(base, 'ServiceMonitor', 'vadfleet-api').spec.endpoints).toMatchObject([{ port: 'http', path: '/metrics' }]);
    expect(find(base, 'ServiceMonitor', 'vadfleet-worker').spec.endpoints).toMatchObject([{ port: 'metrics', path: '/metrics' }]);
  });
});
