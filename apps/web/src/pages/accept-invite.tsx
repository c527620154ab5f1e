import { acceptInviteInput } from '@flotilla/router/schemas';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { AuthFrame, startSession } from '../components/auth-frame.tsx';
import { Field } from '../components/field.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { apiFieldErrors, useTRPC } from '../trpc.ts';
import { formValues, validate } from '../validation.ts';

export function AcceptInvitePage({ token }: { token: string }) {
  const trpc = useTRPC();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const accept = useMutation(
    trpc.auth.acceptInvite.mutationOptions({
      onSuccess: startSession,
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = validate(acceptInviteInput, { ...formValues(event.currentTarget), token });
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) accept.mutate(result.data);
  }

  return (
    <AuthFrame title="Join your team">
      {!token && (
        <p className="notice notice-error" role="alert">
          This link has no invitation token. Open the full link from your invitation.
        </p>
      )}
      <p className="muted">
        New to Flotilla? Choose your name and a password. Already have an account? Give its
        password.
      </p>
      <ErrorNotice error={errors.token ? errors.token : accept.error} />
      <form onSubmit={submit} noValidate>
        <Field label="Your name" hint="Only for a new account." error={errors.name}>
          {(props) => <input {...props} name="name" autoComplete="name" />}
        </Field>
        <Field label="Password" error={errors.password}>
          {(props) => (
            <input {...props} name="password" type="password" autoComplete="new-password" />
          )}
        </Field>
        <button
          type="submit"
          className="button button-primary"
          disabled={accept.isPending || !token}
        >
          {accept.isPending ? 'Joining…' : 'Accept invitation'}
        </button>
      </form>
    </AuthFrame>
  );
}
