// A new managed database: cluster, name, engine and version from the catalog (images in the
// organization's registry), optionally a port published on the node it will be pinned to.
import { databaseCreateInput } from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Field } from '../components/field.tsx';
import { Link } from '../components/link.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor, navigate } from '../route.ts';
import { apiFieldErrors, type Inputs, useTRPC } from '../trpc.ts';
import { formValues, validate } from '../validation.ts';
import { useClusters } from './apps.tsx';

export function CreateDatabasePage({ clusterId: routeCluster }: { clusterId?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const [engine, setEngine] = useState<'postgres' | 'redis'>('postgres');
  const [clusterChoice, setClusterChoice] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const clusters = useClusters();
  const engines = useQuery(trpc.database.engines.queryOptions());
  const registries = useQuery(trpc.registry.all.queryOptions({ organizationId: organization.id }));
  const org = useQuery(trpc.organization.one.queryOptions({ organizationId: organization.id }));
  // Databases run on Swarm (a service pinned to a node) and on Kubernetes (a StatefulSet).
  const all = clusters.data ?? [];
  const onlyCluster = all.length === 1 ? all[0]?.id : undefined;
  const clusterId =
    clusterChoice ??
    routeCluster ??
    (all.some((c) => c.id === org.data?.defaultClusterId)
      ? org.data?.defaultClusterId
      : undefined) ??
    onlyCluster ??
    '';
  // On Kubernetes bound apps reach it by its Service; no port outside is offered there.
  const chosen = all.find((c) => c.id === clusterId);
  const versions = engines.data?.find((e) => e.engine === engine)?.versions ?? [];

  const create = useMutation(
    trpc.database.create.mutationOptions({
      onSuccess: (database) => {
        void queryClient.invalidateQueries({ queryKey: trpc.database.all.pathKey() });
        queryClient.setQueryData(trpc.database.one.queryKey({ databaseId: database.id }), database);
        navigate(hrefFor({ page: 'database', databaseId: database.id }));
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const values = formValues(event.currentTarget);
    const result = validate(databaseCreateInput, {
      ...values,
      organizationId: organization.id,
      engine,
      ...(clusterId ? { clusterId } : {}),
    });
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) create.mutate(result.data as Inputs['database']['create']);
  }

  return (
    <>
      <p className="breadcrumb">
        <Link href={hrefFor({ page: 'databases' })}>Databases</Link> /
      </p>
      <div className="page-header">
        <h1>New database</h1>
      </div>
      <form className="card" onSubmit={submit} noValidate>
        <ErrorNotice error={create.error} />
        <Field
          label="Cluster"
          hint="On Docker Swarm the database is pinned to one of its nodes, chosen when it is created: its data lives there. On Kubernetes it is a StatefulSet with its own volume claim."
          error={errors.clusterId}
        >
          {(props) => (
            <select
              {...props}
              value={clusterId}
              onChange={(event) => setClusterChoice(event.target.value)}
            >
              <option value="">Choose a cluster</option>
              {all.map((cluster) => (
                <option key={cluster.id} value={cluster.id}>
                  {cluster.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Name" hint="Also the host name bound apps connect to." error={errors.name}>
          {(props) => <input {...props} name="name" autoComplete="off" placeholder="orders" />}
        </Field>
        <fieldset>
          <legend>Engine</legend>
          <div className="choice-row">
            {(engines.data ?? []).map((option) => (
              <label key={option.engine}>
                <input
                  type="radio"
                  name="engine-choice"
                  value={option.engine}
                  checked={engine === option.engine}
                  onChange={() => setEngine(option.engine)}
                />
                {option.engine === 'postgres' ? 'PostgreSQL' : 'Redis'}
              </label>
            ))}
          </div>
          {errors.engine && <p className="field-error">{errors.engine}</p>}
        </fieldset>
        <Field label="Version" error={errors.version}>
          {(props) => (
            <select {...props} name="version" key={engine}>
              {versions.map((version) => (
                <option key={version} value={version}>
                  {version}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Registry"
          hint="Where the database image comes from; default the organization's default registry."
          error={errors.registryId}
        >
          {(props) => (
            <select {...props} name="registryId">
              <option value="">Default registry</option>
              {(registries.data ?? []).map((registry) => (
                <option key={registry.id} value={registry.id}>
                  {registry.name} ({registry.server})
                </option>
              ))}
            </select>
          )}
        </Field>
        {chosen?.orchestrator !== 'kubernetes' && (
          <Field
            label="Published port (optional)"
            hint="Reach the database from outside the cluster on this port of its node. Without it, only bound apps reach it."
            error={errors.publishedPort}
          >
            {(props) => (
              <input {...props} name="publishedPort" inputMode="numeric" autoComplete="off" />
            )}
          </Field>
        )}
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create database'}
          </button>
          <Link className="button" href={hrefFor({ page: 'databases' })}>
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
