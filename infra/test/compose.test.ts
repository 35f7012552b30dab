import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { apiConfigSchema, parseConfig, workerConfigSchema } from '@vadfleet/shared/config';
import { readRepoFile, readYaml, repoPath } from './repo-files.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string; args?: Record<string, string> };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
  profiles?: string[];
  networks?: Record<string, { aliases?: string[] }>;
  deploy?: { resources?: { reservations?: { devices?: { driver: string; capabilities: string[] }[] } } };
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = readYaml<Compose>('docker-compose.yml');
const services = Object.entries(compose.services);
const prometheus = readYaml<{ scrape_configs: { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; port: number }[] }[] }>('infra/prometheus/prometheus.yml');

/** Which config schema the process in each of our images parses. */
const SCHEMA_BY_DOCKERFILE: Record<string, z.ZodObject> = {
  'apps/api/Dockerfile': apiConfigSchema,
  'apps/worker/Dockerfile': workerConfigSchema,
};

/** `${VAR:-default}` → default, as compose does when VAR is unset. */
function withComposeDefaults(value: string | number | boolean): string {
  return String(value).replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (whole, name: string, fallback?: string) => {
    if (fallback === undefined) throw new Error(`${whole} has no default: docker compose up would need ${name} set`);
    return fallback;
  });
}

function builtServices(): [string, Service & { build: NonNullable<Service['build']> }][] {
  return services.filter((entry): entry is [string, Service & { build: NonNullable<Service['build']> }] => entry[1].build !== undefined);
}

/** The process's environment: the image's ENV lines, then compose's `environment` (compose wins). */
function effectiveEnv(service: Service & { build: NonNullable<Service['build']> }): Record<string, string> {
  const env: Record<string, string> = {};
  const dockerfile = readRepoFile(service.build.dockerfile ?? 'Dockerfile');
  const runtime = dockerfile.split(/^FROM /m).at(-1)!;
  for (const line of runtime.matchAll(/^ENV (.+)$/gm)) {
    for (const pair of line[1].matchAll(/(\w+)=(\S+)/g)) env[pair[1]] = pair[2];
  }
  for (const [name, value] of Object.entries(service.environment ?? {})) env[name] = withComposeDefaults(value);
  return env;
}

describe('docker-compose.yml', () => {
  it('builds from contexts and Dockerfiles that exist', () => {
    expect(builtServices().length).toBeGreaterThanOrEqual(3);
    for (const [name, { build }] of builtServices()) {
      expect(existsSync(repoPath(build.context)), `${name}: context ${build.context}`).toBe(true);
      expect(existsSync(repoPath(`${build.context}/${build.dockerfile ?? 'Dockerfile'}`)), `${name}: ${build.dockerfile}`).toBe(true);
      if (build.target) expect(readRepoFile(build.dockerfile!), `${name}: stage ${build.target}`).toMatch(new RegExp(`^FROM \\S+ AS ${build.target}$`, 'm'));
    }
  });

  it('sets only environment variables the config schema knows, to values it accepts', () => {
    for (const [name, service] of builtServices()) {
      const schema = SCHEMA_BY_DOCKERFILE[service.build.dockerfile ?? ''];
      expect(schema, `${name}: no config schema for ${service.build.dockerfile}`).toBeDefined();
      const env = effectiveEnv(service);
      const known = Object.keys(schema.shape);
      for (const variable of Object.keys(env)) {
        if (variable === 'NODE_ENV') continue;
        expect(known, `${name}: ${variable} is not in the config schema (packages/shared/src/config)`).toContain(variable);
      }
      // The one-shot model fetcher runs a CLI, not the worker, so it need not carry the worker's required variables.
      if (service.command === undefined) expect(() => parseConfig(schema, env), name).not.toThrow();
    }
  });

  it('publishes each host port once, and the API on its PORT', () => {
    const hostPorts = services.flatMap(([, s]) => (s.ports ?? []).map((p) => p.split(':').at(-2)));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    const api = compose.services.api;
    expect(api.ports?.map(withComposeDefaults)).toContain(`127.0.0.1:${api.environment?.PORT}:${api.environment?.PORT}`);
  });

  it('publishes ports on 127.0.0.1 unless BIND_ADDRESS says otherwise (the default secrets are for this machine)', () => {
    for (const [name, service] of services) {
      for (const port of service.ports ?? []) {
        expect(port, name).toMatch(/^\$\{BIND_ADDRESS:-127\.0\.0\.1\}:\d+:\d+$/);
      }
    }
  });

  it('pins every image to a release (no latest, no bare name)', () => {
    for (const [name, service] of services) {
      if (!service.image) continue;
      const tag = service.image.split(':')[1];
      expect(tag, `${name}: ${service.image}`).toBeDefined();
      expect(tag, `${name}: ${service.image}`).not.toBe('latest');
    }
  });

  it('lets workers scale: no host ports, metrics port exposed and scraped through DNS', () => {
    const workerJob = prometheus.scrape_configs.find((c) => c.job_name === 'vadfleet-worker')!;
    for (const name of ['worker', 'worker-gpu']) {
      const worker = compose.services[name];
      expect(worker.ports, name).toBeUndefined();
      const port = Number(worker.environment?.METRICS_PORT);
      expect(worker.expose, name).toContain(String(port));
      expect(workerJob.dns_sd_configs?.[0].port, name).toBe(port);
      expect(worker.healthcheck?.test.join(' '), name).toContain(`:${port}/healthz`);
    }
    expect(workerJob.dns_sd_configs?.[0].names).toEqual(['worker']);
    expect(compose.services['worker-gpu'].networks?.default.aliases).toContain('worker');
  });

  it('has Prometheus scrape the API where it listens', () => {
    const apiJob = prometheus.scrape_configs.find((c) => c.job_name === 'vadfleet-api')!;
    expect(apiJob.static_configs?.[0].targets).toEqual([`api:${compose.services.api.environment?.PORT}`]);
    expect(compose.services.api.healthcheck?.test.join(' ')).toContain(`:${compose.services.api.environment?.PORT}/healthz`);
  });

  it('points Grafana at the Prometheus service and mounts its provisioning', () => {
    const datasource = readYaml<{ datasources: { url: string }[] }>('infra/grafana/provisioning/datasources/prometheus.yml').datasources[0];
    expect(compose.services.prometheus.ports?.map(withComposeDefaults)).toContain(`127.0.0.1:${new URL(datasource.url).port}:9090`);
    expect(new URL(datasource.url).hostname).toBe('prometheus');
    const provider = readYaml<{ providers: { options: { path: string } }[] }>('infra/grafana/provisioning/dashboards/vadfleet.yml').providers[0];
    expect(compose.services.grafana.volumes).toContain(`./infra/grafana/dashboards:${provider.options.path}:ro`);
    expect(compose.services.grafana.volumes).toContain('./infra/grafana/provisioning:/etc/grafana/provisioning:ro');
  });

  it('declares every named volume it uses, uses every one it declares, and bind-mounts paths that exist', () => {
    const used = new Set<string>();
    for (const [name, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('.') || source.startsWith('/')) expect(existsSync(repoPath(source)), `${name}: ${source}`).toBe(true);
        else used.add(source);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(compose.volumes).sort());
  });

  it('waits only for services that exist, and for one-shots only to complete', () => {
    for (const [name, service] of services) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = compose.services[dependency];
        expect(target, `${name} depends on missing ${dependency}`).toBeDefined();
        if (condition === 'service_completed_successfully') expect(target.restart, `${dependency} is a one-shot`).toBe('no');
        if (condition === 'service_healthy') expect(target.healthcheck, `${dependency} needs a healthcheck`).toBeDefined();
      }
    }
  });

  it('runs Redis as BullMQ needs it: noeviction, append-only file, on a volume', () => {
    const redis = compose.services.redis;
    expect((redis.command as string[]).join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect((redis.command as string[]).join(' ')).toMatch(/--appendonly yes/);
    expect(redis.volumes?.[0]).toMatch(/^redis-data:\/data$/);
  });

  it('fills the models volume with npm run model:fetch and mounts it read-only in workers', () => {
    const fetch = compose.services['model-fetch'];
    expect((fetch.command as string[]).join(' ')).toMatch(/^\/bin\/sh -c npm run model:fetch \|\| /);
    const modelDir = String(fetch.environment?.VAD_MODEL_DIR);
    const mount = fetch.volumes?.[0].split(':')[1];
    expect(modelDir.startsWith(`${mount}/`)).toBe(true);
    for (const name of ['worker', 'worker-gpu']) {
      expect(compose.services[name].environment?.VAD_MODEL_DIR, name).toBe(modelDir);
      expect(compose.services[name].volumes, name).toContain(`models:${mount}:ro`);
      expect(compose.services[name].depends_on?.['model-fetch'].condition, name).toBe('service_completed_successfully');
    }
  });

  it('model-fetch succeeds offline when model.onnx, am.mvn and config.yaml are in the volume, and fails without them', () => {
    const [shell, flag, script] = compose.services['model-fetch'].command as string[];
    const bin = mkdtempSync(join(tmpdir(), 'vadfleet-offline-'));
    const models = join(bin, 'fsmn-vad');
    try {
      // npm run model:fetch as it ends offline: the int8 model (or any file) cannot be downloaded.
      writeFileSync(join(bin, 'npm'), '#!/bin/sh\necho "error STORAGE_UNAVAILABLE: fetch failed" >&2\nexit 1\n', { mode: 0o755 });
      mkdirSync(models);
      const run = () =>
        spawnSync(shell, [flag, script.replaceAll('$$', '$')], { env: { PATH: `${bin}:${process.env.PATH}`, VAD_MODEL_DIR: models }, encoding: 'utf8' });
      for (const file of ['model.onnx', 'am.mvn']) writeFileSync(join(models, file), 'x');
      expect(run().status).toBe(1); // config.yaml missing
      writeFileSync(join(models, 'config.yaml'), 'x');
      const offline = run();
      expect(offline.status).toBe(0);
      expect(offline.stdout).toContain('no int8 model');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('gives GPU workers a profile, NVIDIA devices, the CUDA build of onnxruntime and the CUDA provider', () => {
    const gpu = compose.services['worker-gpu'];
    expect(gpu.profiles).toEqual(['gpu']);
    expect(gpu.deploy?.resources?.reservations?.devices?.[0]).toMatchObject({ driver: 'nvidia', capabilities: ['gpu'] });
    expect(gpu.build?.args?.ONNXRUNTIME_NODE_INSTALL).toBe('cuda12');
    expect(gpu.environment?.VAD_PROVIDER).toBe('cuda');
    const dockerfile = readRepoFile('apps/worker/Dockerfile');
    expect(dockerfile).toMatch(/^ARG ONNXRUNTIME_NODE_INSTALL=skip$/m);
    // npm 11 denies onnxruntime-node's install script (allowScripts): a GPU build runs it as its own step.
    expect(dockerfile).toMatch(/if \[ "\$ONNXRUNTIME_NODE_INSTALL" != skip \]; then node node_modules\/onnxruntime-node\/script\/install; fi/);
  });

  it('creates the buckets the apps use', () => {
    const script = (compose.services.buckets as { entrypoint?: string[] }).entrypoint?.join(' ') ?? '';
    for (const variable of ['UPLOAD_BUCKET', 'RESULTS_BUCKET']) {
      expect(script).toContain(`local/${compose.services.api.environment?.[variable]}`);
      expect(compose.services.worker.environment?.[variable]).toBe(compose.services.api.environment?.[variable]);
    }
  });
});
