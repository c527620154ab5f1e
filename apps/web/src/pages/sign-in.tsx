import { loginInput } from '@flotilla/router/schemas';
import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { AuthFrame, startSession } from '../components/auth-frame.tsx';
import { Field } from '../components/field.tsx';
import { Link } from '../components/link.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { useTRPC } from '../trpc.ts';
import { formValues, validate } from '../validation.ts';

export function SignInPage() {
  const trpc = useTRPC();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const status = useQuery(trpc.auth.status.queryOptions());
  const signup = status.data?.signup;
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: startSession,
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = validate(loginInput, formValues(event.currentTarget));
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) login.mutate(result.data);
  }

  return (
    <AuthFrame title="Sign in">
      <ErrorNotice error={login.error} />
      <form onSubmit={submit} noValidate>
        <Field label="Email" error={errors.email}>
          {(props) => <input {...props} name="email" type="email" autoComplete="username" />}
        </Field>
        <Field label="Password" error={errors.password}>
          {(props) => (
            <input {...props} name="password" type="password" autoComplete="current-password" />
          )}
        </Field>
        <button type="submit" className="button button-primary" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {signup === 'first-user' && (
        <p>
          This Flotilla has no account yet. <Link href="/register">Create the first account</Link>{' '}
          (it owns the first organization).
        </p>
      )}
      {signup === 'open' && (
        <p className="muted">
          New here? <Link href="/register">Create an account</Link>.
        </p>
      )}
      <p className="muted">Invited? Open the link from your invitation.</p>
    </AuthFrame>
  );
}
