import { catalog } from '@flotilla/providers/catalog';
import { cloudProvider, providerSetCredentialsInput } from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { Field } from '../../components/field.tsx';
import { Empty, ErrorNotice, Loading, Notice } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { useOrganization } from '../../organization.tsx';
import { apiFieldErrors, type Outputs, useTRPC } from '../../trpc.ts';
import { formValues, validate } from '../../validation.ts';

type CloudProvider = (typeof cloudProvider.options)[number];
type TestResult = Outputs['provider']['test'];

export function CredentialsTab() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const [provider, setProvider] = useState<CloudProvider>('digitalocean');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [results, setResults] = useState<Record<string, TestResult>>({});
  const credentials = useQuery(
    trpc.provider.listCredentials.queryOptions({ organizationId: organization.id }),
  );
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.provider.listCredentials.queryKey() });

  const save = useMutation(
    trpc.provider.setCredentials.mutationOptions({
      onSuccess: (credential) => {
        setSaved(`${catalog[credential.provider].label} credentials “${credential.name}” saved.`);
        void refresh();
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  const remove = useMutation(
    trpc.provider.removeCredentials.mutationOptions({ onSuccess: refresh }),
  );
  const test = useMutation(
    trpc.provider.test.mutationOptions({
      onSuccess: (result, input) =>
        setResults((all) => ({ ...all, [input.providerCredentialId]: result })),
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const { name, ...secret } = formValues(form);
    setSaved(null);
    const result = validate(providerSetCredentialsInput, {
      organizationId: organization.id,
      provider,
      ...(name ? { name } : {}),
      credentials: secret,
    });
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) save.mutate(result.data, { onSuccess: () => form.reset() });
  }

  return (
    <>
      <section className="card" aria-labelledby="new-credentials">
        <h2 id="new-credentials">Add cloud credentials</h2>
        <p className="muted">
          Used to create and destroy machines. Encrypted at rest; only the last characters are ever
          shown again.
        </p>
        {saved && <Notice>{saved}</Notice>}
        <ErrorNotice error={save.error} />
        <form onSubmit={submit} noValidate>
          <fieldset>
            <legend>Provider</legend>
            <div className="choice-row">
              {cloudProvider.options.map((option) => (
                <label key={option}>
                  <input
                    type="radio"
                    name="provider-choice"
                    checked={provider === option}
                    onChange={() => {
                      setProvider(option);
                      setErrors({});
                    }}
                  />
                  {catalog[option].label}
                </label>
              ))}
            </div>
          </fieldset>
          <Field label="Name" hint="Optional; “default” if empty." error={errors.name}>
            {(props) => <input {...props} name="name" placeholder="default" autoComplete="off" />}
          </Field>
          {provider === 'aws' ? (
            <>
              <Field label="Access key id" error={errors['credentials.accessKeyId']}>
                {(props) => <input {...props} name="accessKeyId" autoComplete="off" />}
              </Field>
              <Field label="Secret access key" error={errors['credentials.secretAccessKey']}>
                {(props) => (
                  <input {...props} name="secretAccessKey" type="password" autoComplete="off" />
                )}
              </Field>
              <Field label="Default region" error={errors['credentials.region']}>
                {(props) => (
                  <select {...props} name="region" defaultValue="">
                    <option value="">Choose a region</option>
                    {catalog.aws.regions.map((region) => (
                      <option key={region.code} value={region.code}>
                        {region.name} ({region.code})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </>
          ) : (
            <Field label="API token" error={errors['credentials.token']}>
              {(props) => <input {...props} name="token" type="password" autoComplete="off" />}
            </Field>
          )}
          <div className="actions">
            <button type="submit" className="button button-primary" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save credentials'}
            </button>
          </div>
        </form>
      </section>
      <section aria-labelledby="credential-list">
        <h2 id="credential-list">Stored credentials</h2>
        <ErrorNotice
          error={credentials.error ?? remove.error ?? test.error}
          retry={() => credentials.refetch()}
        />
        {credentials.isPending && <Loading label="Loading credentials…" />}
        {credentials.isSuccess && credentials.data.length === 0 && (
          <Empty title="No cloud credentials yet" />
        )}
        {credentials.data && credentials.data.length > 0 && (
          <Table columns={['Provider', 'Name', 'Key', 'Clusters', 'Check']} actions>
            {credentials.data.map((credential) => {
              const result = results[credential.id];
              return (
                <tr key={credential.id} data-credential={credential.name}>
                  <td data-label="Provider">{catalog[credential.provider].label}</td>
                  <td data-label="Name">{credential.name}</td>
                  <td data-label="Key">
                    <code>{credential.hint}</code>
                  </td>
                  <td data-label="Clusters">{credential.clusters}</td>
                  <td data-label="Check">
                    <span className="status-cell">
                      <button
                        type="button"
                        className="button button-small"
                        disabled={test.isPending}
                        onClick={() => test.mutate({ providerCredentialId: credential.id })}
                      >
                        {test.isPending && test.variables?.providerCredentialId === credential.id
                          ? 'Checking…'
                          : 'Test'}
                      </button>
                      {result && (
                        <span className={`badge badge-${result.ok ? 'ok' : 'bad'}`}>
                          {result.message}
                        </span>
                      )}
                    </span>
                  </td>
                  <td data-label="Actions">
                    <ConfirmButton
                      label="Delete"
                      confirmLabel={`Delete ${credential.name}`}
                      pending={
                        remove.isPending && remove.variables?.providerCredentialId === credential.id
                      }
                      onConfirm={() => remove.mutate({ providerCredentialId: credential.id })}
                    />
                  </td>
                </tr>
              );
            })}
          </Table>
        )}
      </section>
    </>
  );
}
