import { catalog, isCloudProvider } from '@flotilla/providers/catalog';
import {
  clusterCreateInput,
  orchestratorSchema,
  planSchema,
  providerSchema,
  roleSchema,
} from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Field } from '../components/field.tsx';
import { Link } from '../components/link.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor, navigate } from '../route.ts';
import { apiFieldErrors, type Inputs, useTRPC } from '../trpc.ts';
import { validate } from '../validation.ts';

type Provider = (typeof providerSchema.options)[number];
type Orchestrator = (typeof orchestratorSchema.options)[number];
type Role = (typeof roleSchema.options)[number];
type Plan = (typeof planSchema.options)[number];

interface Pool {
  plan: Plan;
  count: string;
}

interface Server {
  key: number;
  role: Role;
  host: string;
  port: string;
  user: string;
}

const providerLabel = (provider: Provider) =>
  isCloudProvider(provider) ? catalog[provider].label : 'My own servers (SSH)';

function planLabel(provider: Provider, plan: Plan): string {
  if (!isCloudProvider(provider)) return plan;
  const size = catalog[provider].machineTypes[plan];
  return `${plan} — ${size.vcpus} vCPU, ${size.memoryGb} GB (${size.type})`;
}

let serverKeys = 0;
const newServer = (role: Role): Server => ({
  key: ++serverKeys,
  role,
  host: '',
  port: '',
  user: '',
});

export function CreateClusterPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const [name, setName] = useState('');
  const [provider, setProvider] = useState<Provider>('digitalocean');
  const [region, setRegion] = useState('');
  const [orchestrator, setOrchestrator] = useState<Orchestrator>('swarm');
  const [managers, setManagers] = useState<Pool>({ plan: 'small', count: '1' });
  const [workers, setWorkers] = useState<Pool>({ plan: 'small', count: '2' });
  const [sshKeyId, setSshKeyId] = useState('');
  const [providerCredentialId, setProviderCredentialId] = useState('');
  const [servers, setServers] = useState<Server[]>(() => [newServer('manager')]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const ownServers = provider === 'ssh';

  const sshKeys = useQuery({
    ...trpc.sshKey.list.queryOptions({ organizationId: organization.id }),
    enabled: ownServers,
  });
  const credentials = useQuery({
    ...trpc.provider.listCredentials.queryOptions({
      organizationId: organization.id,
      ...(isCloudProvider(provider) ? { provider } : {}),
    }),
    enabled: isCloudProvider(provider),
  });
  const create = useMutation(
    trpc.cluster.create.mutationOptions({
      onSuccess: (cluster) => {
        void queryClient.invalidateQueries({ queryKey: trpc.cluster.all.pathKey() });
        queryClient.setQueryData(trpc.cluster.one.queryKey({ clusterId: cluster.id }), cluster);
        navigate(hrefFor({ page: 'cluster', clusterId: cluster.id }));
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );

  function input(): unknown {
    const common = { organizationId: organization.id, name: name.trim(), orchestrator };
    if (ownServers) {
      return {
        ...common,
        provider,
        ...(region.trim() ? { region: region.trim() } : {}),
        sshKeyId: sshKeys.data?.length === 1 && !sshKeyId ? sshKeys.data[0]?.id : sshKeyId,
        nodes: servers.map((server) => ({
          role: server.role,
          host: server.host,
          ...(server.port ? { port: server.port } : {}),
          ...(server.user ? { user: server.user } : {}),
        })),
      };
    }
    const pools = [
      { role: 'manager', plan: managers.plan, count: Number(managers.count) },
      ...(workers.count.trim() && Number(workers.count) !== 0
        ? [{ role: 'worker', plan: workers.plan, count: Number(workers.count) }]
        : []),
    ];
    const credentialId =
      providerCredentialId || (credentials.data?.length === 1 ? credentials.data[0]?.id : '');
    return {
      ...common,
      provider,
      region,
      nodes: pools,
      ...(credentialId ? { providerCredentialId: credentialId } : {}),
    };
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = validate(clusterCreateInput, input());
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) create.mutate(result.data as Inputs['cluster']['create']);
  }

  function updateServer(key: number, change: Partial<Server>) {
    setServers((list) =>
      list.map((server) => (server.key === key ? { ...server, ...change } : server)),
    );
  }

  const workerIndex = 1;
  return (
    <>
      <p className="breadcrumb">
        <Link href={hrefFor({ page: 'clusters' })}>Clusters</Link> /
      </p>
      <div className="page-header">
        <h1>New cluster</h1>
      </div>
      <form className="card" onSubmit={submit} noValidate>
        <ErrorNotice error={create.error} />
        <Field
          label="Name"
          hint="Lower-case letters, digits and hyphens; node hostnames start with it."
          error={errors.name}
        >
          {(props) => (
            <input
              {...props}
              value={name}
              onChange={(event) => setName(event.target.value)}
              autoComplete="off"
              placeholder="production"
            />
          )}
        </Field>

        <fieldset>
          <legend>Where</legend>
          <div className="choice-row">
            {providerSchema.options.map((option) => (
              <label key={option}>
                <input
                  type="radio"
                  name="provider"
                  value={option}
                  checked={provider === option}
                  onChange={() => {
                    setProvider(option);
                    setRegion('');
                    setProviderCredentialId('');
                    setErrors({});
                  }}
                />
                {providerLabel(option)}
              </label>
            ))}
          </div>
          {isCloudProvider(provider) && (
            <Field
              label="Credentials"
              hint={
                <>
                  The {catalog[provider].label} account the machines are created in.{' '}
                  <Link href="/settings/credentials">Manage credentials</Link>
                </>
              }
              error={errors.providerCredentialId}
            >
              {(props) => (
                <select
                  {...props}
                  value={
                    providerCredentialId ||
                    (credentials.data?.length === 1 ? credentials.data[0]?.id : '')
                  }
                  onChange={(event) => setProviderCredentialId(event.target.value)}
                >
                  <option value="">
                    {credentials.isPending
                      ? 'Loading credentials…'
                      : credentials.data?.length
                        ? 'Choose credentials'
                        : 'No credentials yet: add them in settings'}
                  </option>
                  {credentials.data?.map((credential) => (
                    <option key={credential.id} value={credential.id}>
                      {credential.name} ({credential.hint})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          {isCloudProvider(provider) && <ErrorNotice error={credentials.error} />}
          {isCloudProvider(provider) ? (
            <Field label="Region" error={errors.region}>
              {(props) => (
                <select
                  {...props}
                  value={region}
                  onChange={(event) => setRegion(event.target.value)}
                >
                  <option value="">Choose a region</option>
                  {catalog[provider].regions.map((option) => (
                    <option key={option.code} value={option.code}>
                      {option.name} ({option.code})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : (
            <Field
              label="Location (optional)"
              hint="Free text, e.g. office or fra-rack-2."
              error={errors.region}
            >
              {(props) => (
                <input
                  {...props}
                  value={region}
                  onChange={(event) => setRegion(event.target.value)}
                  placeholder="self-hosted"
                />
              )}
            </Field>
          )}
        </fieldset>

        <fieldset>
          <legend>Orchestrator</legend>
          <div className="choice-row">
            {orchestratorSchema.options.map((option) => (
              <label key={option}>
                <input
                  type="radio"
                  name="orchestrator"
                  value={option}
                  checked={orchestrator === option}
                  onChange={() => setOrchestrator(option)}
                />
                {option === 'swarm' ? 'Docker Swarm' : 'Kubernetes (k3s)'}
              </label>
            ))}
          </div>
          {orchestrator === 'swarm' && (
            <p className="field-hint">Swarm needs an odd number of managers (Raft quorum).</p>
          )}
        </fieldset>

        {ownServers ? (
          <fieldset>
            <legend>Servers</legend>
            <Field
              label="SSH key"
              hint={
                <>
                  Flotilla logs in with this key.{' '}
                  <Link href="/settings/ssh-keys">Manage SSH keys</Link>
                </>
              }
              error={errors.sshKeyId}
            >
              {(props) => (
                <select
                  {...props}
                  value={sshKeyId || (sshKeys.data?.length === 1 ? sshKeys.data[0]?.id : '')}
                  onChange={(event) => setSshKeyId(event.target.value)}
                >
                  <option value="">
                    {sshKeys.isPending
                      ? 'Loading keys…'
                      : sshKeys.data?.length
                        ? 'Choose a key'
                        : 'No SSH keys yet: add one in settings'}
                  </option>
                  {sshKeys.data?.map((key) => (
                    <option key={key.id} value={key.id}>
                      {key.name} ({key.fingerprint})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <ErrorNotice error={sshKeys.error} />
            {errors.nodes && <p className="field-error">{errors.nodes}</p>}
            {servers.map((server, index) => (
              <div className="row" key={server.key} data-server-row={index}>
                <Field label={`Server ${index + 1} role`} error={errors[`nodes.${index}.role`]}>
                  {(props) => (
                    <select
                      {...props}
                      value={server.role}
                      onChange={(event) =>
                        updateServer(server.key, { role: event.target.value as Role })
                      }
                    >
                      {roleSchema.options.map((role) => (
                        <option key={role} value={role}>
                          {role}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label={`Server ${index + 1} address`} error={errors[`nodes.${index}.host`]}>
                  {(props) => (
                    <input
                      {...props}
                      value={server.host}
                      onChange={(event) => updateServer(server.key, { host: event.target.value })}
                      placeholder="203.0.113.10"
                    />
                  )}
                </Field>
                <Field label={`Server ${index + 1} SSH port`} error={errors[`nodes.${index}.port`]}>
                  {(props) => (
                    <input
                      {...props}
                      value={server.port}
                      inputMode="numeric"
                      onChange={(event) => updateServer(server.key, { port: event.target.value })}
                      placeholder="22"
                    />
                  )}
                </Field>
                <Field label={`Server ${index + 1} SSH user`} error={errors[`nodes.${index}.user`]}>
                  {(props) => (
                    <input
                      {...props}
                      value={server.user}
                      onChange={(event) => updateServer(server.key, { user: event.target.value })}
                      placeholder="root"
                    />
                  )}
                </Field>
                <button
                  type="button"
                  className="button button-small"
                  disabled={servers.length === 1}
                  onClick={() => setServers((list) => list.filter((s) => s.key !== server.key))}
                >
                  Remove server {index + 1}
                </button>
              </div>
            ))}
            <div className="actions">
              <button
                type="button"
                className="button button-small"
                onClick={() => setServers((list) => [...list, newServer('worker')])}
              >
                Add a server
              </button>
            </div>
          </fieldset>
        ) : (
          <fieldset>
            <legend>Node pools</legend>
            {errors.nodes && <p className="field-error">{errors.nodes}</p>}
            {(
              [
                ['Managers', managers, setManagers, 0],
                ['Workers', workers, setWorkers, workerIndex],
              ] as const
            ).map(([label, pool, setPool, index]) => (
              <div className="row" key={label}>
                <Field label={`${label}: plan`} error={errors[`nodes.${index}.plan`]}>
                  {(props) => (
                    <select
                      {...props}
                      value={pool.plan}
                      onChange={(event) => setPool({ ...pool, plan: event.target.value as Plan })}
                    >
                      {planSchema.options.map((plan) => (
                        <option key={plan} value={plan}>
                          {planLabel(provider, plan)}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label={`${label}: count`} error={errors[`nodes.${index}.count`]}>
                  {(props) => (
                    <input
                      {...props}
                      type="number"
                      min={label === 'Workers' ? 0 : 1}
                      max={100}
                      value={pool.count}
                      onChange={(event) => setPool({ ...pool, count: event.target.value })}
                    />
                  )}
                </Field>
              </div>
            ))}
          </fieldset>
        )}

        <div className="actions">
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create cluster'}
          </button>
          <Link className="button" href={hrefFor({ page: 'clusters' })}>
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
