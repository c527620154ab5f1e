import { changePasswordInput } from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { Field } from '../../components/field.tsx';
import { ErrorNotice, Loading, Notice } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { useMe } from '../../organization.tsx';
import { signOut } from '../../session.ts';
import { apiFieldErrors, type Outputs, useTRPC } from '../../trpc.ts';
import { formValues, validate } from '../../validation.ts';

type Session = Outputs['auth']['sessions']['items'][number];

const formatDate = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** 1800 → "30 minutes", 604800 → "7 days": the session lifetimes as a person reads them. */
function formatDuration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (seconds >= size && seconds % size === 0) {
      const count = seconds / size;
      return `${count} ${unit}${count === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}

export function AccountTab() {
  const me = useMe();
  const trpc = useTRPC();
  const methods = useQuery(trpc.auth.methods.queryOptions());
  return (
    <>
      {me.data && (
        <p className="muted">
          Signed in as <strong>{me.data.name}</strong> ({me.data.email}).
        </p>
      )}
      {/* Password is the only method today; an instance without it has no form to offer. */}
      {(!methods.data || methods.data.methods.includes('password')) && (
        <ChangePassword email={me.data?.email} />
      )}
      <Sessions lifetimes={methods.data?.session} />
    </>
  );
}

function ChangePassword({ email }: { email: string | undefined }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [ended, setEnded] = useState<number | null>(null);
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: (result) => {
        setEnded(result.endedSessions);
        void queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.pathKey() });
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  // A message the API tied to a field is shown there, not a second time above the form.
  const generalError = Object.keys(apiFieldErrors(change.error)).length > 0 ? null : change.error;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = formValues(form);
    setEnded(null);
    change.reset();
    const result = validate(changePasswordInput, values);
    const found = result.ok ? {} : { ...result.errors };
    if (!values.confirmPassword) found.confirmPassword ??= 'is required';
    else if (values.confirmPassword !== values.newPassword) {
      found.confirmPassword = 'does not match the new password';
    }
    setErrors(found);
    if (result.ok && Object.keys(found).length === 0) {
      change.mutate(result.data, { onSuccess: () => form.reset() });
    }
  }

  return (
    <section className="card" aria-labelledby="change-password">
      <h2 id="change-password">Change your password</h2>
      <p className="muted">
        Every other dashboard session of yours ends; this one stays signed in. API tokens keep
        working: revoke those on their own tab.
      </p>
      {ended !== null && (
        <Notice>
          Password changed.{' '}
          {ended === 0
            ? 'You had no other sessions to end.'
            : `${ended} other ${ended === 1 ? 'session was' : 'sessions were'} ended and must sign in again.`}
        </Notice>
      )}
      <ErrorNotice error={generalError} />
      <form onSubmit={submit} noValidate>
        {/* Tells password managers which saved login the new password replaces. */}
        <input
          type="email"
          name="username"
          autoComplete="username"
          value={email ?? ''}
          readOnly
          hidden
        />
        <Field label="Current password" error={errors.currentPassword}>
          {(props) => (
            <input
              {...props}
              name="currentPassword"
              type="password"
              autoComplete="current-password"
            />
          )}
        </Field>
        <Field label="New password" hint="At least 10 characters." error={errors.newPassword}>
          {(props) => (
            <input {...props} name="newPassword" type="password" autoComplete="new-password" />
          )}
        </Field>
        <Field label="Confirm new password" error={errors.confirmPassword}>
          {(props) => (
            <input {...props} name="confirmPassword" type="password" autoComplete="new-password" />
          )}
        </Field>
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={change.isPending}>
            {change.isPending ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}

function Sessions({
  lifetimes,
}: {
  lifetimes: { idleTimeoutSeconds: number; maxAgeSeconds: number } | undefined;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.auth.sessions.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.pathKey() });
  const end = useMutation(
    trpc.auth.endSession.mutationOptions({
      onSuccess: (_result, { sessionId }) => {
        const current = sessions.data?.items.find((session) => session.id === sessionId)?.current;
        // Ending this very session is signing out, as the header's button does.
        if (current) {
          signOut();
          queryClient.clear();
        } else {
          void refresh();
        }
      },
      // Already ended elsewhere (NOT_FOUND): the list is out of date.
      onError: () => void refresh(),
    }),
  );
  const items = sessions.data?.items ?? [];

  return (
    <section aria-labelledby="session-list">
      <h2 id="session-list">Where you are signed in</h2>
      {lifetimes && (
        <p className="muted">
          A session ends after {formatDuration(lifetimes.idleTimeoutSeconds)} without use, and{' '}
          {formatDuration(lifetimes.maxAgeSeconds)} after signing in at the latest.
        </p>
      )}
      <ErrorNotice error={sessions.error ?? end.error} retry={() => sessions.refetch()} />
      {sessions.isPending && <Loading label="Loading sessions…" />}
      {items.length > 0 && (
        <Table columns={['Browser', 'Address', 'Signed in', 'Last used', 'Expires']} actions>
          {items.map((session) => (
            <SessionRow
              key={session.id}
              session={session}
              pending={end.isPending && end.variables?.sessionId === session.id}
              onEnd={() => end.mutate({ sessionId: session.id })}
            />
          ))}
        </Table>
      )}
    </section>
  );
}

function SessionRow({
  session,
  pending,
  onEnd,
}: {
  session: Session;
  pending: boolean;
  onEnd: () => void;
}) {
  return (
    <tr data-session={session.id} data-current={session.current}>
      <td data-label="Browser">
        {/* One box, so the phone layout (label left, value right) keeps the badge by its text. */}
        <div>
          {session.userAgent ?? 'Unknown browser'}
          {session.current && (
            <>
              {' '}
              <span className="badge badge-ok">This session</span>
            </>
          )}
        </div>
      </td>
      <td data-label="Address">{session.ip ?? '—'}</td>
      <td data-label="Signed in">{formatDate(session.signedInAt)}</td>
      <td data-label="Last used">{formatDate(session.lastUsedAt)}</td>
      <td data-label="Expires">{formatDate(session.expiresAt)}</td>
      <td data-label="Actions">
        <ConfirmButton
          label="End"
          confirmLabel={session.current ? 'End and sign out' : 'End session'}
          pending={pending}
          onConfirm={onEnd}
        />
      </td>
    </tr>
  );
}
