import { registerInput } from '@flotilla/router/schemas';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { AuthFrame, startSession } from '../components/auth-frame.tsx';
import { Field } from '../components/field.tsx';
import { Link } from '../components/link.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { apiFieldErrors, useTRPC } from '../trpc.ts';
import { formValues, validate } from '../validation.ts';

export function RegisterPage() {
  const trpc = useTRPC();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const register = useMutation(
    trpc.auth.register.mutationOptions({
      onSuccess: startSession,
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = validate(registerInput, formValues(event.currentTarget));
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) register.mutate(result.data);
  }

  return (
    <AuthFrame title="Create your account">
      <p className="muted">
        The first account owns a new organization. Later accounts join by invitation.
      </p>
      <ErrorNotice error={register.error} />
      <form onSubmit={submit} noValidate>
        <Field label="Your name" error={errors.name}>
          {(props) => <input {...props} name="name" autoComplete="name" />}
        </Field>
        <Field label="Email" error={errors.email}>
          {(props) => <input {...props} name="email" type="email" autoComplete="email" />}
        </Field>
        <Field label="Password" hint="At least 10 characters." error={errors.password}>
          {(props) => (
            <input {...props} name="password" type="password" autoComplete="new-password" />
          )}
        </Field>
        <Field
          label="Organization name"
          hint="Optional; you can invite teammates to it later."
          error={errors.organizationName}
        >
          {(props) => <input {...props} name="organizationName" autoComplete="organization" />}
        </Field>
        <button type="submit" className="button button-primary" disabled={register.isPending}>
          {register.isPending ? 'Creating account…' : 'Create account'}
        </button>
      </form>
      <p className="muted">
        Already have an account? <Link href="/sign-in">Sign in</Link>.
      </p>
    </AuthFrame>
  );
}
