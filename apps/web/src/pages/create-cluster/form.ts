// The new-cluster form's state: one reducer over what the user typed and chose, and the field
// errors (the API's own zod messages, keyed by path such as `nodes.0.host`). `clusterInput`
// turns it into what `cluster.create` takes; `clusterCreateInput` validates that, in the browser
// exactly as on the server.
import { isCloudProvider } from '@flotilla/providers/catalog';
import type {
  orchestratorSchema,
  planSchema,
  providerSchema,
  roleSchema,
} from '@flotilla/router/schemas';
import { useReducer } from 'react';

export type Provider = (typeof providerSchema.options)[number];
export type Orchestrator = (typeof orchestratorSchema.options)[number];
export type Role = (typeof roleSchema.options)[number];
export type Plan = (typeof planSchema.options)[number];

/** A cloud node pool: counts stay text while typed, the schema says what is a valid number. */
export interface Pool {
  plan: Plan;
  count: string;
}

/** One of the user's own servers; `key` keeps React rows stable while others are removed. */
export interface Server {
  key: number;
  role: Role;
  host: string;
  port: string;
  user: string;
}

export interface ClusterForm {
  name: string;
  provider: Provider;
  /** A cloud region's code, or free text naming where own servers are. */
  region: string;
  orchestrator: Orchestrator;
  managers: Pool;
  workers: Pool;
  providerCredentialId: string;
  sshKeyId: string;
  servers: Server[];
}

export type PoolName = 'managers' | 'workers';

export type FormChange =
  | { type: 'set'; field: 'name' | 'region' | 'providerCredentialId' | 'sshKeyId'; value: string }
  | { type: 'provider'; provider: Provider }
  | { type: 'orchestrator'; orchestrator: Orchestrator }
  | { type: 'pool'; pool: PoolName; change: Partial<Pool> }
  | { type: 'server'; key: number; change: Partial<Omit<Server, 'key'>> }
  | { type: 'addServer' }
  | { type: 'removeServer'; key: number }
  | { type: 'errors'; errors: Record<string, string> };

interface State {
  form: ClusterForm;
  errors: Record<string, string>;
}

let serverKeys = 0;
const newServer = (role: Role): Server => ({
  key: ++serverKeys,
  role,
  host: '',
  port: '',
  user: '',
});

function initialState(): State {
  return {
    form: {
      name: '',
      provider: 'digitalocean',
      region: '',
      orchestrator: 'swarm',
      managers: { plan: 'small', count: '1' },
      workers: { plan: 'small', count: '2' },
      providerCredentialId: '',
      sshKeyId: '',
      servers: [newServer('manager')],
    },
    errors: {},
  };
}

function reduce({ form, errors }: State, change: FormChange): State {
  switch (change.type) {
    case 'set':
      return { form: { ...form, [change.field]: change.value }, errors };
    case 'provider':
      // Regions, credentials and the errors about them belong to the provider left behind.
      return {
        form: { ...form, provider: change.provider, region: '', providerCredentialId: '' },
        errors: {},
      };
    case 'orchestrator':
      return { form: { ...form, orchestrator: change.orchestrator }, errors };
    case 'pool':
      return {
        form: { ...form, [change.pool]: { ...form[change.pool], ...change.change } },
        errors,
      };
    case 'server':
      return {
        form: {
          ...form,
          servers: form.servers.map((server) =>
            server.key === change.key ? { ...server, ...change.change } : server,
          ),
        },
        errors,
      };
    case 'addServer':
      return { form: { ...form, servers: [...form.servers, newServer('worker')] }, errors };
    case 'removeServer':
      return {
        form: { ...form, servers: form.servers.filter((server) => server.key !== change.key) },
        errors,
      };
    case 'errors':
      return { form, errors: change.errors };
  }
}

export function useClusterForm() {
  const [state, dispatch] = useReducer(reduce, undefined, initialState);
  return { ...state, dispatch };
}

/** The id of the only choice, preselected when there is exactly one. */
export function soleId(choices: readonly { id: string }[] | undefined): string {
  return choices?.length === 1 ? (choices[0]?.id ?? '') : '';
}

/**
 * What `cluster.create` is sent. `sshKeyId` and `providerCredentialId` are the effective
 * choices (the user's, or the sole option). Unvalidated: `clusterCreateInput` judges it.
 */
export function clusterInput(
  form: ClusterForm,
  chosen: { organizationId: string; sshKeyId: string; providerCredentialId: string },
): unknown {
  const common = {
    organizationId: chosen.organizationId,
    name: form.name.trim(),
    orchestrator: form.orchestrator,
    provider: form.provider,
  };
  if (!isCloudProvider(form.provider)) {
    return {
      ...common,
      ...(form.region.trim() ? { region: form.region.trim() } : {}),
      sshKeyId: chosen.sshKeyId,
      nodes: form.servers.map((server) => ({
        role: server.role,
        host: server.host,
        ...(server.port ? { port: server.port } : {}),
        ...(server.user ? { user: server.user } : {}),
      })),
    };
  }
  const { managers, workers } = form;
  return {
    ...common,
    region: form.region,
    nodes: [
      { role: 'manager', plan: managers.plan, count: Number(managers.count) },
      ...(workers.count.trim() && Number(workers.count) !== 0
        ? [{ role: 'worker', plan: workers.plan, count: Number(workers.count) }]
        : []),
    ],
    ...(chosen.providerCredentialId ? { providerCredentialId: chosen.providerCredentialId } : {}),
  };
}
