import { tokenCreateInput } from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { Field } from '../../components/field.tsx';
import { OnceSecret } from '../../components/secret.tsx';
import { Empty, ErrorNotice, Loading } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { apiFieldErrors, type Outputs, useTRPC } from '../../trpc.ts';
import { formValues, validate } from '../../validation.ts';

const formatDate = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

export function TokensTab() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<Outputs['token']['create'] | null>(null);
  const tokens = useQuery(trpc.token.list.queryOptions({ limit: 100 }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.token.list.pathKey() });

  const create = useMutation(
    trpc.token.create.mutationOptions({
      onSuccess: (token) => {
        setCreated(token);
        void refresh();
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  const revoke = useMutation(trpc.token.revoke.mutationOptions({ onSuccess: refresh }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = formValues(form);
    const input = {
      name: values.name,
      ...(values.expiresAt ? { expiresAt: new Date(values.expiresAt).toISOString() } : {}),
    };
    const result = validate(tokenCreateInput, input);
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) create.mutate(result.data, { onSuccess: () => form.reset() });
  }

  const apiTokens = tokens.data?.items.filter((token) => token.kind === 'api') ?? [];

  return (
    <>
      <section className="card" aria-labelledby="new-token">
        <h2 id="new-token">Create an API token</h2>
        <p className="muted">
          For scripts and the HTTP API: send it as <code>Authorization: Bearer …</code>. Only its
          hash is stored, so it is shown once.
        </p>
        {created && <OnceSecret label={`Token “${created.name}”`} value={created.token} />}
        <ErrorNotice error={create.error} />
        <form onSubmit={submit} noValidate>
          <div className="row">
            <Field label="Token name" error={errors.name}>
              {(props) => <input {...props} name="name" placeholder="ci-deploy" />}
            </Field>
            <Field label="Expires (optional)" error={errors.expiresAt}>
              {(props) => <input {...props} name="expiresAt" type="date" />}
            </Field>
            <button type="submit" className="button button-primary" disabled={create.isPending}>
              {create.isPending ? 'Creating…' : 'Create token'}
            </button>
          </div>
        </form>
      </section>
      <section aria-labelledby="token-list">
        <h2 id="token-list">Your tokens</h2>
        <ErrorNotice error={tokens.error ?? revoke.error} retry={() => tokens.refetch()} />
        {tokens.isPending && <Loading label="Loading tokens…" />}
        {tokens.isSuccess && apiTokens.length === 0 && <Empty title="No API tokens yet" />}
        {apiTokens.length > 0 && (
          <Table columns={['Name', 'Starts with', 'Created', 'Last used', 'Expires']} actions>
            {apiTokens.map((token) => (
              <tr key={token.id} data-token={token.name}>
                <td data-label="Name">{token.name}</td>
                <td data-label="Starts with">
                  <code>{token.prefix}…</code>
                </td>
                <td data-label="Created">{formatDate(token.createdAt)}</td>
                <td data-label="Last used">{formatDate(token.lastUsedAt)}</td>
                <td data-label="Expires">{formatDate(token.expiresAt)}</td>
                <td data-label="Actions">
                  <ConfirmButton
                    label="Revoke"
                    confirmLabel={`Revoke ${token.name}`}
                    pending={revoke.isPending && revoke.variables?.tokenId === token.id}
                    onConfirm={() => revoke.mutate({ tokenId: token.id })}
                  />
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </>
  );
}
