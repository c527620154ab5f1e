import { inviteInput } from '@flotilla/router/schemas';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Field } from '../../components/field.tsx';
import { OnceSecret } from '../../components/secret.tsx';
import { Empty, ErrorNotice, Loading } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { useOrganization } from '../../organization.tsx';
import { apiFieldErrors, type Outputs, useTRPC } from '../../trpc.ts';
import { formValues, validate } from '../../validation.ts';

const pageSize = 50;

export function MembersTab() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const [page, setPage] = useState(1);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [invited, setInvited] = useState<Outputs['organization']['invite'] | null>(null);
  const canInvite = organization.role !== 'member';

  const members = useQuery({
    ...trpc.organization.members.queryOptions({
      organizationId: organization.id,
      page,
      limit: pageSize,
      sort: 'createdAt',
      order: 'asc',
    }),
    placeholderData: keepPreviousData,
  });
  const invite = useMutation(
    trpc.organization.invite.mutationOptions({
      onSuccess: (invitation) => {
        setInvited(invitation);
        void queryClient.invalidateQueries({ queryKey: trpc.organization.members.pathKey() });
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const result = validate(inviteInput, {
      ...formValues(form),
      organizationId: organization.id,
    });
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) invite.mutate(result.data, { onSuccess: () => form.reset() });
  }

  const inviteLink = invited
    ? `${window.location.origin}/invite?token=${encodeURIComponent(invited.token)}`
    : '';
  const total = members.data?.total ?? 0;

  return (
    <>
      {canInvite && (
        <section className="card" aria-labelledby="invite">
          <h2 id="invite">Invite a teammate</h2>
          {invited && (
            <OnceSecret label={`Invitation link for ${invited.email}`} value={inviteLink} />
          )}
          <ErrorNotice error={invite.error} />
          <form onSubmit={submit} noValidate>
            <div className="row">
              <Field label="Email" error={errors.email}>
                {(props) => <input {...props} name="email" type="email" autoComplete="off" />}
              </Field>
              <Field label="Role" error={errors.role}>
                {(props) => (
                  <select {...props} name="role" defaultValue="member">
                    <option value="member">Member</option>
                    <option value="admin">Admin</option>
                    {organization.role === 'owner' && <option value="owner">Owner</option>}
                  </select>
                )}
              </Field>
              <button type="submit" className="button button-primary" disabled={invite.isPending}>
                {invite.isPending ? 'Inviting…' : 'Create invitation'}
              </button>
            </div>
          </form>
        </section>
      )}
      <section aria-labelledby="member-list">
        <h2 id="member-list">Members of {organization.name}</h2>
        <ErrorNotice error={members.error} retry={() => members.refetch()} />
        {members.isPending && <Loading label="Loading members…" />}
        {members.isSuccess && members.data.items.length === 0 && <Empty title="No members" />}
        {members.data && members.data.items.length > 0 && (
          <Table columns={['Name', 'Email', 'Role', 'Joined']}>
            {members.data.items.map((member) => (
              <tr key={member.userId}>
                <td data-label="Name">{member.name}</td>
                <td data-label="Email">{member.email}</td>
                <td data-label="Role">{member.role}</td>
                <td data-label="Joined">{new Date(member.joinedAt).toLocaleDateString()}</td>
              </tr>
            ))}
          </Table>
        )}
        {total > pageSize && (
          <nav className="pager" aria-label="Member pages">
            <button
              type="button"
              className="button button-small"
              disabled={page === 1}
              onClick={() => setPage(page - 1)}
            >
              Previous
            </button>
            <span>
              Page {page} of {Math.ceil(total / pageSize)}
            </span>
            <button
              type="button"
              className="button button-small"
              disabled={page * pageSize >= total}
              onClick={() => setPage(page + 1)}
            >
              Next
            </button>
          </nav>
        )}
      </section>
    </>
  );
}
