import { grantAccessInput, permissionSchema } from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { Field } from '../../components/field.tsx';
import { Empty, ErrorNotice, Loading } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { apiFieldErrors, useTRPC } from '../../trpc.ts';
import { formValues, validate } from '../../validation.ts';

export function AccessSection({ clusterId }: { clusterId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const grants = useQuery(trpc.cluster.listAccess.queryOptions({ clusterId }));
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.cluster.listAccess.queryKey({ clusterId }) });
  const grant = useMutation(
    trpc.cluster.grantAccess.mutationOptions({
      onSuccess: refresh,
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  const revoke = useMutation(trpc.cluster.revokeAccess.mutationOptions({ onSuccess: refresh }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const result = validate(grantAccessInput, { ...formValues(form), clusterId });
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) grant.mutate(result.data, { onSuccess: () => form.reset() });
  }

  return (
    <section className="card" aria-labelledby="access-heading">
      <h2 id="access-heading">Access</h2>
      <p className="muted">
        Organization admins manage every cluster. Grants give one member view or manage rights on
        this cluster.
      </p>
      <ErrorNotice error={grants.error ?? revoke.error} retry={() => grants.refetch()} />
      {grants.isPending && <Loading label="Loading grants…" />}
      {grants.isSuccess && grants.data.length === 0 && <Empty title="No grants" />}
      {grants.data && grants.data.length > 0 && (
        <Table columns={['Member', 'Email', 'Permission']} actions>
          {grants.data.map((entry) => (
            <tr key={entry.userId} data-grant={entry.email}>
              <td data-label="Member">{entry.name}</td>
              <td data-label="Email">{entry.email}</td>
              <td data-label="Permission">{entry.permission}</td>
              <td data-label="Actions">
                <ConfirmButton
                  label="Revoke"
                  confirmLabel={`Revoke ${entry.email}`}
                  pending={revoke.isPending && revoke.variables?.userId === entry.userId}
                  onConfirm={() => revoke.mutate({ clusterId, userId: entry.userId })}
                />
              </td>
            </tr>
          ))}
        </Table>
      )}
      <form onSubmit={submit} noValidate aria-labelledby="grant-heading">
        <h3 id="grant-heading">Grant access</h3>
        <ErrorNotice error={grant.error} />
        <div className="row">
          <Field label="Member email" error={errors.email ?? errors.userId}>
            {(props) => <input {...props} name="email" type="email" autoComplete="off" />}
          </Field>
          <Field label="Permission" error={errors.permission}>
            {(props) => (
              <select {...props} name="permission" defaultValue="view">
                {permissionSchema.options.map((permission) => (
                  <option key={permission} value={permission}>
                    {permission}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="button" disabled={grant.isPending}>
            {grant.isPending ? 'Granting…' : 'Grant'}
          </button>
        </div>
      </form>
    </section>
  );
}
