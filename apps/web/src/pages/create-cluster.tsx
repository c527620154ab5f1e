import { isCloudProvider } from '@flotilla/providers/catalog';
import { clusterCreateInput } from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { Field } from '../components/field.tsx';
import { Link } from '../components/link.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor, navigate } from '../route.ts';
import { apiFieldErrors, type Inputs, useTRPC } from '../trpc.ts';
import { validate } from '../validation.ts';
import { CloudCredentialsField, SshKeyField } from './create-cluster/access.tsx';
import { clusterInput, soleId, useClusterForm } from './create-cluster/form.ts';
import { OrchestratorSection } from './create-cluster/orchestrator.tsx';
import { PoolsSection } from './create-cluster/pools.tsx';
import { ServersSection } from './create-cluster/servers.tsx';
import { WhereSection } from './create-cluster/where.tsx';

export function CreateClusterPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const { form, errors, dispatch } = useClusterForm();
  const { provider } = form;

  const sshKeys = useQuery({
    ...trpc.sshKey.list.queryOptions({ organizationId: organization.id }),
    enabled: provider === 'ssh',
  });
  const credentials = useQuery({
    ...trpc.provider.listCredentials.queryOptions({
      organizationId: organization.id,
      ...(isCloudProvider(provider) ? { provider } : {}),
    }),
    enabled: isCloudProvider(provider),
  });
  // What is sent and shown: the user's choice, or the only one there is.
  const sshKeyId = form.sshKeyId || soleId(sshKeys.data);
  const providerCredentialId = form.providerCredentialId || soleId(credentials.data);

  const create = useMutation(
    trpc.cluster.create.mutationOptions({
      onSuccess: (cluster) => {
        void queryClient.invalidateQueries({ queryKey: trpc.cluster.all.pathKey() });
        queryClient.setQueryData(trpc.cluster.one.queryKey({ clusterId: cluster.id }), cluster);
        navigate(hrefFor({ page: 'cluster', clusterId: cluster.id }));
      },
      onError: (error) => dispatch({ type: 'errors', errors: apiFieldErrors(error) }),
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = clusterInput(form, {
      organizationId: organization.id,
      sshKeyId,
      providerCredentialId,
    });
    const result = validate(clusterCreateInput, input);
    dispatch({ type: 'errors', errors: result.ok ? {} : result.errors });
    if (result.ok) create.mutate(result.data as Inputs['cluster']['create']);
  }

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
              value={form.name}
              onChange={(event) =>
                dispatch({ type: 'set', field: 'name', value: event.target.value })
              }
              autoComplete="off"
              placeholder="production"
            />
          )}
        </Field>

        <WhereSection
          form={form}
          errors={errors}
          dispatch={dispatch}
          credentials={
            isCloudProvider(provider) && (
              <>
                <CloudCredentialsField
                  provider={provider}
                  credentials={credentials}
                  value={providerCredentialId}
                  error={errors.providerCredentialId}
                  onChange={(value) =>
                    dispatch({ type: 'set', field: 'providerCredentialId', value })
                  }
                />
                <ErrorNotice error={credentials.error} />
              </>
            )
          }
        />
        <OrchestratorSection orchestrator={form.orchestrator} dispatch={dispatch} />
        {isCloudProvider(provider) ? (
          <PoolsSection form={form} errors={errors} dispatch={dispatch} />
        ) : (
          <ServersSection
            servers={form.servers}
            errors={errors}
            dispatch={dispatch}
            sshKey={
              <>
                <SshKeyField
                  sshKeys={sshKeys}
                  value={sshKeyId}
                  error={errors.sshKeyId}
                  onChange={(value) => dispatch({ type: 'set', field: 'sshKeyId', value })}
                />
                <ErrorNotice error={sshKeys.error} />
              </>
            }
          />
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
