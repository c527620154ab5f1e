// The organization's container registries: where apps pull their images from and builds push
// to. Passwords are sealed at rest and never come back from the API; a test logs in with them.
import { registryCreateInput } from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { Field } from '../../components/field.tsx';
import { Empty, ErrorNotice, Loading, Notice } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { useOrganization } from '../../organization.tsx';
import { apiFieldErrors, type Outputs, useTRPC } from '../../trpc.ts';
import { formValues, validate } from '../../validation.ts';

type TestResult = Outputs['registry']['test'];

export function RegistriesTab() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [results, setResults] = useState<Record<string, TestResult>>({});
  const registries = useQuery(trpc.registry.all.queryOptions({ organizationId: organization.id }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.registry.all.queryKey() });

  const create = useMutation(
    trpc.registry.create.mutationOptions({
      onSuccess: (registry) => {
        setSaved(`Registry “${registry.name}” added.`);
        void refresh();
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  const test = useMutation(
    trpc.registry.test.mutationOptions({
      onSuccess: (result, input) => {
        setResults((all) => ({ ...all, [input.registryId]: result }));
        void refresh();
      },
    }),
  );
  const setDefault = useMutation(trpc.registry.setDefault.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.registry.remove.mutationOptions({ onSuccess: refresh }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    setSaved(null);
    const { makeDefault, ...values } = formValues(form);
    const result = validate(registryCreateInput, {
      ...values,
      organizationId: organization.id,
      makeDefault: makeDefault === 'on',
    });
    setErrors(result.ok ? {} : result.errors);
    // The password leaves the page with the request: the form is emptied once it is stored.
    if (result.ok) create.mutate(result.data, { onSuccess: () => form.reset() });
  }

  return (
    <>
      <section className="card" aria-labelledby="new-registry">
        <h2 id="new-registry">Add a container registry</h2>
        <p className="muted">
          Apps pull from it with these credentials; builds of git and uploaded sources push to the
          default one. The password is encrypted at rest and never shown again.
        </p>
        {saved && <Notice>{saved}</Notice>}
        <ErrorNotice error={create.error} />
        <form onSubmit={submit} noValidate>
          <div className="grid-2">
            <Field
              label="Registry address"
              hint="As image names spell it: host or host:port, no https://."
              error={errors.server}
            >
              {(props) => (
                <input
                  {...props}
                  name="server"
                  placeholder="registry.example.com"
                  autoComplete="off"
                  spellCheck={false}
                />
              )}
            </Field>
            <Field label="Name" hint="Optional; the address if empty." error={errors.name}>
              {(props) => <input {...props} name="name" autoComplete="off" />}
            </Field>
            <Field label="Username" error={errors.username}>
              {(props) => <input {...props} name="username" autoComplete="off" />}
            </Field>
            <Field label="Password or token" error={errors.password}>
              {(props) => (
                <input {...props} name="password" type="password" autoComplete="new-password" />
              )}
            </Field>
          </div>
          <Field
            label="CA certificate"
            hint="Only for a registry whose certificate no public CA signed (a private or self-signed CA): its PEM. Flotilla checks TLS with it and gives it to every server that pulls."
            error={errors.caCert}
          >
            {(props) => (
              <textarea
                {...props}
                name="caCert"
                rows={4}
                spellCheck={false}
                autoComplete="off"
                placeholder="-----BEGIN CERTIFICATE-----"
              />
            )}
          </Field>
          <label className="choice-row">
            <input type="checkbox" name="makeDefault" />
            Make it the organization’s default registry
          </label>
          <div className="actions">
            <button type="submit" className="button button-primary" disabled={create.isPending}>
              {create.isPending ? 'Adding…' : 'Add registry'}
            </button>
          </div>
        </form>
      </section>
      <section aria-labelledby="registry-list">
        <h2 id="registry-list">Registries</h2>
        <ErrorNotice
          error={registries.error ?? test.error ?? setDefault.error ?? remove.error}
          retry={registries.error ? () => registries.refetch() : undefined}
        />
        {registries.isPending && <Loading label="Loading registries…" />}
        {registries.isSuccess && registries.data.length === 0 && (
          <Empty title="No registries yet" />
        )}
        {registries.data && registries.data.length > 0 && (
          <Table
            columns={['Name', 'Address', 'Username', 'Password', 'Last test', 'Check']}
            actions
          >
            {registries.data.map((registry) => {
              const result = results[registry.id];
              return (
                <tr key={registry.id} data-registry={registry.name}>
                  <td data-label="Name">
                    {registry.name}
                    {registry.isDefault && (
                      <>
                        {' '}
                        <span className="badge badge-ok">default</span>
                      </>
                    )}
                  </td>
                  <td data-label="Address">
                    <code>{registry.server}</code>
                    {registry.caCert && (
                      <>
                        {' '}
                        <span className="badge">own CA</span>
                      </>
                    )}
                  </td>
                  <td data-label="Username">{registry.username ?? '—'}</td>
                  <td data-label="Password">{registry.hasPassword ? 'stored' : 'none'}</td>
                  <td data-label="Last test">
                    {registry.lastTestedAt
                      ? `${new Date(registry.lastTestedAt).toLocaleString()}${registry.lastTestError ? `: ${registry.lastTestError}` : ': ok'}`
                      : 'never'}
                  </td>
                  <td data-label="Check">
                    <span className="status-cell">
                      <button
                        type="button"
                        className="button button-small"
                        disabled={test.isPending}
                        onClick={() => test.mutate({ registryId: registry.id })}
                      >
                        {test.isPending && test.variables?.registryId === registry.id
                          ? 'Testing…'
                          : `Test ${registry.name}`}
                      </button>
                      {result && (
                        <span
                          className={`badge badge-${result.ok ? 'ok' : 'bad'}`}
                          data-testid="registry-test-result"
                        >
                          {result.message}
                        </span>
                      )}
                    </span>
                  </td>
                  <td data-label="Actions">
                    <span className="actions">
                      {!registry.isDefault && (
                        <button
                          type="button"
                          className="button button-small"
                          disabled={setDefault.isPending}
                          onClick={() => setDefault.mutate({ registryId: registry.id })}
                        >
                          Make default<span className="visually-hidden"> {registry.name}</span>
                        </button>
                      )}
                      <ConfirmButton
                        label="Remove"
                        confirmLabel={`Remove ${registry.name}`}
                        pending={remove.isPending && remove.variables?.registryId === registry.id}
                        onConfirm={() => remove.mutate({ registryId: registry.id })}
                      />
                    </span>
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
