/**
 * Validates Kubernetes objects offline against the API schemas, through the kubernetes-models packages
 * (generated from the Kubernetes OpenAPI document and the KEDA and Prometheus Operator CRDs):
 * - each object's model `validate()` checks types, enums and required fields (and its apiVersion/kind
 *   must be one the packages know);
 * - their validators accept unknown fields, so the objects are also type-checked as TypeScript object
 *   literals against the models' interfaces, where a misspelt or moved field is an excess property.
 */
import ts from 'typescript';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { K8sObject } from './kustomize.js';
import { repoRoot } from './repo-files.js';

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: never): { validate(): void };
}

/** apiVersion/kind → model class, and the module and interface its TypeScript type comes from. */
const MODELS: { model: ModelClass; module: string; iface: string }[] = [
  { model: Namespace, module: 'kubernetes-models/v1/Namespace', iface: 'INamespace' },
  { model: ServiceAccount, module: 'kubernetes-models/v1/ServiceAccount', iface: 'IServiceAccount' },
  { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', iface: 'IConfigMap' },
  { model: Secret, module: 'kubernetes-models/v1/Secret', iface: 'ISecret' },
  { model: Service, module: 'kubernetes-models/v1/Service', iface: 'IService' },
  { model: Deployment, module: 'kubernetes-models/apps/v1/Deployment', iface: 'IDeployment' },
  { model: HorizontalPodAutoscaler, module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', iface: 'IHorizontalPodAutoscaler' },
  { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1/PodDisruptionBudget', iface: 'IPodDisruptionBudget' },
  { model: NetworkPolicy, module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy', iface: 'INetworkPolicy' },
  { model: ScaledObject, module: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject', iface: 'IScaledObject' },
  { model: ServiceMonitor, module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor', iface: 'IServiceMonitor' },
  { model: PrometheusRule, module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule', iface: 'IPrometheusRule' },
];

const modelOf = (o: K8sObject) => MODELS.find((m) => m.model.apiVersion === o.apiVersion && m.model.kind === o.kind);
const label = (o: K8sObject) => `${o.apiVersion} ${o.kind} ${o.metadata?.name}`;

/** Problems of each object against the schema validators, as "<object>: <message>". */
function schemaProblems(objects: K8sObject[]): string[] {
  return objects.flatMap((o) => {
    const entry = modelOf(o);
    if (!entry) return [`${label(o)}: no such apiVersion/kind in the Kubernetes, KEDA or Prometheus Operator schemas`];
    try {
      new entry.model(o as never).validate();
      return [];
    } catch (err) {
      return [`${label(o)}: ${(err as Error).message}`];
    }
  });
}

/** Excess or mistyped properties, from type-checking every object as a literal of its interface. */
function typeProblems(objects: K8sObject[]): string[] {
  const typed = objects.filter((o) => modelOf(o));
  const file = `${repoRoot}infra/k8s/__rendered__.ts`;
  // One line per import, then one line per object: a diagnostic's line names its object.
  const lines = MODELS.map((m, i) => `import type { ${m.iface} as T${i} } from '${m.module}';`);
  typed.forEach((o, n) => lines.push(`export const o${n}: T${MODELS.indexOf(modelOf(o)!)} = ${JSON.stringify(o)};`));
  const source = lines.join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, version, ...rest) => (name === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest));
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!d.file || d.file.fileName !== file || d.start === undefined) return message;
    const object = typed[d.file.getLineAndCharacterOfPosition(d.start).line - MODELS.length];
    return object ? `${label(object)}: ${message}` : message;
  });
}

/** Every problem of `objects` against the schemas; empty when all are valid. */
export function validateObjects(objects: K8sObject[]): string[] {
  return [...schemaProblems(objects), ...typeProblems(objects)];
}
