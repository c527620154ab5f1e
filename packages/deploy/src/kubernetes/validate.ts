// Every object is checked before anything is sent: first against the Kubernetes OpenAPI schema
// (kubernetes-models: types, required fields), then against the API server's own rules that no
// schema states (names, label syntax, port ranges, selectors matching their templates). A
// failure names the object and the field, so nothing half-applied is left behind by a typo.
import { FlotillaError } from '@flotilla/errors';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { apiVersionOf, isKind, type KubeObject, resourceTypes } from './resources.ts';

/** An object that the API server would refuse; `field` is its path, `object` "Kind/name". */
export class KubernetesValidationError extends FlotillaError {
  override name = 'KubernetesValidationError';
  constructor(
    readonly object: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super('invalid', `${object}: ${field}: ${problem}`);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: each model takes its own data shape.
const models: Record<string, new (data: any) => { validate(): void }> = {
  Namespace,
  ConfigMap,
  Secret,
  Service,
  PersistentVolumeClaim,
  Deployment,
  StatefulSet,
  Ingress,
};

interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** "/spec/template/spec/containers/0/image" → "spec.template.spec.containers[0].image". */
function fieldOf(instancePath: string, extra?: unknown): string {
  const parts = instancePath.split('/').slice(1);
  if (typeof extra === 'string') parts.push(extra);
  return parts
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part),
      '',
    );
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const portName = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

type Problem = [field: string, problem: string];

function labelProblems(field: string, labels: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries((labels ?? {}) as Record<string, unknown>)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash === -1 ? '' : key.slice(0, slash);
    const name = key.slice(slash + 1);
    if (
      (prefix && (!dnsSubdomain.test(prefix) || prefix.length > 253)) ||
      !labelName.test(name) ||
      name.length > 63
    ) {
      problems.push([`${field}[${key}]`, 'not a valid label key']);
    }
    if (typeof value !== 'string' || value.length > 63 || !labelValue.test(value)) {
      problems.push([
        `${field}[${key}]`,
        `${JSON.stringify(value)} is not a valid label value (at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit)`,
      ]);
    }
  }
  return problems;
}

const portProblem = (field: string, value: unknown, min = 1): Problem[] =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= 65_535
    ? []
    : [[field, `${JSON.stringify(value)} is not a port (${min}–65535)`]];

// biome-ignore lint/suspicious/noExplicitAny: walking JSON the schema has already typed.
type Json = any;

function podProblems(path: string, spec: Json): Problem[] {
  const problems: Problem[] = [];
  const containers: Json[] = spec?.containers ?? [];
  if (containers.length === 0) problems.push([`${path}.containers`, 'at least one container']);
  containers.forEach((c, i) => {
    const at = `${path}.containers[${i}]`;
    if (!dnsLabel.test(c.name ?? '') || c.name.length > 63)
      problems.push([`${at}.name`, 'a lower-case DNS label']);
    if (!c.image) problems.push([`${at}.image`, 'required']);
    (c.ports ?? []).forEach((p: Json, j: number) => {
      problems.push(...portProblem(`${at}.ports[${j}].containerPort`, p.containerPort));
    });
    (c.env ?? []).forEach((e: Json, j: number) => {
      if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(e.name ?? ''))
        problems.push([`${at}.env[${j}].name`, 'not a valid environment variable name']);
    });
  });
  return problems;
}

function workloadProblems(object: Json): Problem[] {
  const spec = object.spec ?? {};
  const problems: Problem[] = [];
  if (spec.replicas !== undefined && spec.replicas < 0)
    problems.push(['spec.replicas', 'at least 0']);
  const templateLabels: Record<string, string> = spec.template?.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(
    (spec.selector?.matchLabels ?? {}) as Record<string, string>,
  )) {
    if (templateLabels[key] !== value) {
      problems.push([
        'spec.template.metadata.labels',
        `selector ${key}=${value} does not match the template's labels`,
      ]);
    }
  }
  problems.push(...labelProblems('spec.template.metadata.labels', templateLabels));
  problems.push(...podProblems('spec.template.spec', spec.template?.spec));
  return problems;
}

/** The API server's checks beyond the schema, for the kinds Flotilla builds. */
function serverProblems(object: Json): Problem[] {
  const problems: Problem[] = [];
  const name: string = object.metadata?.name ?? '';
  const labelLike = object.kind === 'Service' || object.kind === 'Namespace';
  if (
    labelLike
      ? !dnsLabel.test(name) || name.length > 63
      : !dnsSubdomain.test(name) || name.length > 253
  ) {
    problems.push([
      'metadata.name',
      `${JSON.stringify(name)} is not a lower-case DNS ${labelLike ? 'label' : 'subdomain'}`,
    ]);
  }
  if (object.metadata?.namespace !== undefined && !dnsLabel.test(object.metadata.namespace)) {
    problems.push(['metadata.namespace', 'a lower-case DNS label']);
  }
  problems.push(...labelProblems('metadata.labels', object.metadata?.labels));
  switch (object.kind) {
    case 'StatefulSet':
      // The API server takes a longer name, but the controller labels each pod
      // `controller-revision-hash: <name>-<10-character hash>`, a label value (at most 63): with
      // a longer name no pod is ever created (kubernetes/kubernetes#64023).
      if (name.length > 52) {
        problems.push([
          'metadata.name',
          `${JSON.stringify(name)} is longer than 52 characters: the StatefulSet controller could create no pod for it`,
        ]);
      }
      problems.push(...workloadProblems(object));
      break;
    case 'Deployment':
      problems.push(...workloadProblems(object));
      break;
    case 'Service':
      (object.spec?.ports ?? []).forEach((p: Json, i: number) => {
        problems.push(...portProblem(`spec.ports[${i}].port`, p.port));
        if (typeof p.targetPort === 'number')
          problems.push(...portProblem(`spec.ports[${i}].targetPort`, p.targetPort));
        else if (p.targetPort !== undefined && !portName.test(p.targetPort))
          problems.push([`spec.ports[${i}].targetPort`, 'a port number or name']);
        if (p.nodePort !== undefined && (p.nodePort < 30_000 || p.nodePort > 32_767))
          problems.push([`spec.ports[${i}].nodePort`, 'in 30000–32767']);
      });
      break;
    case 'Ingress':
      (object.spec?.rules ?? []).forEach((rule: Json, i: number) => {
        if (rule.host !== undefined && !dnsSubdomain.test(String(rule.host).replace(/^\*\./, ''))) {
          problems.push([
            `spec.rules[${i}].host`,
            `${JSON.stringify(rule.host)} is not a domain name`,
          ]);
        }
        (rule.http?.paths ?? []).forEach((p: Json, j: number) => {
          const port = p.backend?.service?.port;
          if (port?.number !== undefined)
            problems.push(
              ...portProblem(
                `spec.rules[${i}].http.paths[${j}].backend.service.port.number`,
                port.number,
              ),
            );
        });
      });
      break;
  }
  return problems;
}

/** Throws KubernetesValidationError for the first problem found; returns the object otherwise. */
export function validateObject<T extends KubeObject>(object: T): T {
  const what = `${object.kind}/${object.metadata?.name ?? '?'}`;
  const Model = models[object.kind];
  if (!Model || !isKind(object.kind)) {
    throw new KubernetesValidationError(
      what,
      'kind',
      `${object.kind} is not a kind Flotilla applies`,
    );
  }
  const apiVersion = apiVersionOf(resourceTypes[object.kind]);
  if (object.apiVersion !== apiVersion) {
    throw new KubernetesValidationError(
      what,
      'apiVersion',
      `${object.kind} is ${apiVersion}, not ${object.apiVersion}`,
    );
  }
  try {
    new Model(object).validate();
  } catch (error) {
    const first = (error as { errors?: SchemaError[] }).errors?.[0];
    if (!first) throw error;
    const extra = first.params.missingProperty ?? first.params.additionalProperty;
    throw new KubernetesValidationError(
      what,
      fieldOf(first.instancePath, extra) || '(object)',
      first.message ?? first.keyword,
    );
  }
  const [problem] = serverProblems(object);
  if (problem) throw new KubernetesValidationError(what, problem[0], problem[1]);
  return object;
}
