// The kinds Flotilla applies, where each lives in the API (group, version, plural, scope), and
// the plain object shape that crosses the wire. One table, so the client, the pruner and the
// validator agree on what they handle.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
}

/** Any Kubernetes object as JSON: what is applied, stored with a deployment and read back. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ResourceType {
  kind: string;
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

const table = [
  ['Namespace', '', 'namespaces', false],
  ['ConfigMap', '', 'configmaps', true],
  ['Secret', '', 'secrets', true],
  ['Service', '', 'services', true],
  ['PersistentVolumeClaim', '', 'persistentvolumeclaims', true],
  ['Pod', '', 'pods', true],
  ['Deployment', 'apps', 'deployments', true],
  ['StatefulSet', 'apps', 'statefulsets', true],
  ['ReplicaSet', 'apps', 'replicasets', true],
  ['Ingress', 'networking.k8s.io', 'ingresses', true],
] as const;

export type Kind = (typeof table)[number][0];

export const resourceTypes = Object.fromEntries(
  table.map(([kind, group, plural, namespaced]) => [
    kind,
    { kind, group, version: 'v1', plural, namespaced },
  ]),
) as Record<Kind, ResourceType>;

export const isKind = (kind: string): kind is Kind => Object.hasOwn(resourceTypes, kind);

export const apiVersionOf = (type: ResourceType) =>
  type.group ? `${type.group}/${type.version}` : type.version;

/**
 * What an owner's objects may be (in the order they are applied: what others refer to first).
 * Pods and ReplicaSets are made by controllers and go with their owners.
 */
export const ownedKinds = [
  'ConfigMap',
  'Secret',
  'PersistentVolumeClaim',
  'Service',
  'StatefulSet',
  'Deployment',
  'Ingress',
] as const satisfies readonly Kind[];

/** `/apis/apps/v1/namespaces/ns/deployments/name`, or the collection when name is absent. */
export function resourcePath(type: ResourceType, namespace?: string, name?: string): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const scope = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${scope}/${type.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** "Deployment/web": how objects are named in messages and results. */
export const objectName = (object: Pick<KubeObject, 'kind' | 'metadata'>) =>
  `${object.kind}/${object.metadata.name}`;
