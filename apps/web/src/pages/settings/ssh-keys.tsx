import { sshKeyCreateInput, sshKeyGenerateInput } from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { Field } from '../../components/field.tsx';
import { Empty, ErrorNotice, Loading, Notice } from '../../components/states.tsx';
import { useOrganization } from '../../organization.tsx';
import { apiFieldErrors, useTRPC } from '../../trpc.ts';
import { formValues, validate } from '../../validation.ts';

export function SshKeysTab() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const [mode, setMode] = useState<'generate' | 'import'>('generate');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [added, setAdded] = useState<string | null>(null);
  const keys = useQuery(trpc.sshKey.list.queryOptions({ organizationId: organization.id }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.sshKey.list.pathKey() });

  const handlers = {
    onSuccess: (key: { name: string }) => {
      setAdded(key.name);
      void refresh();
    },
    onError: (error: unknown) => setErrors(apiFieldErrors(error)),
  };
  const generate = useMutation(trpc.sshKey.generate.mutationOptions(handlers));
  const create = useMutation(trpc.sshKey.create.mutationOptions(handlers));
  const remove = useMutation(trpc.sshKey.remove.mutationOptions({ onSuccess: refresh }));
  const pending = generate.isPending || create.isPending;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = { ...formValues(form), organizationId: organization.id };
    setAdded(null);
    const reset = { onSuccess: () => form.reset() };
    if (mode === 'generate') {
      const result = validate(sshKeyGenerateInput, values);
      setErrors(result.ok ? {} : result.errors);
      if (result.ok) generate.mutate(result.data, reset);
    } else {
      const result = validate(sshKeyCreateInput, values);
      setErrors(result.ok ? {} : result.errors);
      if (result.ok) create.mutate(result.data, reset);
    }
  }

  return (
    <>
      <section className="card" aria-labelledby="new-key">
        <h2 id="new-key">Add an SSH key</h2>
        <p className="muted">
          Flotilla logs in to your servers with it. The private half is encrypted at rest and never
          shown again; put the public half in each server's <code>authorized_keys</code>.
        </p>
        {added && <Notice>SSH key “{added}” added.</Notice>}
        <ErrorNotice error={generate.error ?? create.error} />
        <form onSubmit={submit} noValidate>
          <fieldset>
            <legend>Key</legend>
            <div className="choice-row">
              <label>
                <input
                  type="radio"
                  name="mode"
                  checked={mode === 'generate'}
                  onChange={() => setMode('generate')}
                />
                Generate a new Ed25519 key
              </label>
              <label>
                <input
                  type="radio"
                  name="mode"
                  checked={mode === 'import'}
                  onChange={() => setMode('import')}
                />
                Import a private key
              </label>
            </div>
          </fieldset>
          <Field label="Key name" error={errors.name}>
            {(props) => <input {...props} name="name" placeholder="deploy" />}
          </Field>
          {mode === 'import' && (
            <Field
              label="Private key"
              hint="OpenSSH or PEM format, unencrypted."
              error={errors.privateKey}
            >
              {(props) => (
                <textarea
                  {...props}
                  name="privateKey"
                  spellCheck={false}
                  autoComplete="off"
                  placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                />
              )}
            </Field>
          )}
          <div className="actions">
            <button type="submit" className="button button-primary" disabled={pending}>
              {pending ? 'Saving…' : mode === 'generate' ? 'Generate key' : 'Import key'}
            </button>
          </div>
        </form>
      </section>
      <section aria-labelledby="key-list">
        <h2 id="key-list">Keys of {organization.name}</h2>
        <ErrorNotice error={keys.error ?? remove.error} retry={() => keys.refetch()} />
        {keys.isPending && <Loading label="Loading SSH keys…" />}
        {keys.isSuccess && keys.data.length === 0 && <Empty title="No SSH keys yet" />}
        {keys.data && keys.data.length > 0 && (
          <ul className="key-list">
            {keys.data.map((key) => (
              <li key={key.id} className="card" data-ssh-key={key.name}>
                <div className="page-header">
                  <h3>{key.name}</h3>
                  <ConfirmButton
                    label="Delete"
                    confirmLabel={`Delete ${key.name}`}
                    pending={remove.isPending && remove.variables?.sshKeyId === key.id}
                    onConfirm={() => remove.mutate({ sshKeyId: key.id })}
                  />
                </div>
                <p className="mono">{key.fingerprint}</p>
                <label className="field">
                  <span>Public key</span>
                  <textarea readOnly value={key.publicKey} rows={2} />
                </label>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
