/**
 * A small offline renderer for the kustomize features infra/k8s uses: `resources` (files and
 * directories with a kustomization.yaml), `namespace`, `images` and strategic-merge `patches` by
 * kind and name. Anything else in a kustomization is refused rather than ignored, so the rendered
 * objects are what `kubectl apply -k` applies. (No maintained kustomize runs in Node offline.)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  patches?: { path: string }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'patches', 'images']);
/** Kinds without a namespace among those used here. */
const CLUSTER_SCOPED = new Set(['Namespace']);

export function readObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).flatMap((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const value = doc.toJS() as K8sObject | null;
    return value ? [value] : [];
  });
}

type Json = unknown;
const isMap = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Strategic merge as Kubernetes does it for the fields patched here: maps merge key by key, lists of
 * named objects (containers, env, volumes) merge by name, other lists are replaced.
 */
export function strategicMerge(base: Json, patch: Json): Json {
  if (isMap(base) && isMap(patch)) {
    if ('$patch' in patch) throw new Error('$patch directives are not supported');
    const out: Record<string, Json> = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = v === null ? undefined : k in base ? strategicMerge(base[k], v) : v;
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out;
  }
  const named = (list: Json[]) => list.every((item) => isMap(item) && typeof item.name === 'string');
  if (Array.isArray(base) && Array.isArray(patch) && named(base) && named(patch)) {
    const out = base.map((item) => {
      const match = patch.find((p) => (p as { name: string }).name === (item as { name: string }).name);
      return match ? strategicMerge(item, match) : item;
    });
    for (const p of patch) if (!base.some((b) => (b as { name: string }).name === (p as { name: string }).name)) out.push(p);
    return out;
  }
  return patch;
}

function setImages(obj: K8sObject, images: NonNullable<Kustomization['images']>): void {
  const spec = (obj.spec as { template?: { spec?: Record<string, { image: string }[] | undefined> } } | undefined)?.template?.spec;
  for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    const [name, tag] = container.image.split(':');
    const rule = images.find((i) => i.name === name);
    if (rule) container.image = `${rule.newName ?? name}:${rule.newTag ?? tag}`;
  }
}

/** The objects `kubectl apply -k dir` would apply. */
export function renderKustomization(dir: string): K8sObject[] {
  const k = readObjects(join(dir, 'kustomization.yaml'))[0] as unknown as Kustomization;
  const unknown = Object.keys(k).filter((f) => !KNOWN_FIELDS.has(f));
  if (unknown.length) throw new Error(`${dir}/kustomization.yaml: unsupported fields ${unknown.join(', ')}`);
  if (k.kind !== 'Kustomization' || k.apiVersion !== 'kustomize.config.k8s.io/v1beta1') throw new Error(`${dir}/kustomization.yaml: not a Kustomization`);
  let objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const path = join(dir, resource);
    if (!existsSync(path)) throw new Error(`${dir}: resource ${resource} does not exist`);
    objects.push(...(statSync(path).isDirectory() ? renderKustomization(path) : readObjects(path)));
  }
  for (const { path } of k.patches ?? []) {
    for (const patch of readObjects(join(dir, path))) {
      const i = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
      if (i < 0) throw new Error(`${dir}/${path}: no ${patch.kind} ${patch.metadata.name} to patch`);
      objects[i] = strategicMerge(objects[i], patch) as K8sObject;
    }
  }
  objects = objects.map((o) => structuredClone(o));
  for (const o of objects) {
    if (k.images) setImages(o, k.images);
    if (k.namespace && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(id)) throw new Error(`${dir}: ${id} is defined twice`);
    seen.add(id);
  }
  return objects;
}

export const k8sDir = (relative: string): string => join(dirname(new URL(import.meta.url).pathname), '..', 'k8s', relative);
