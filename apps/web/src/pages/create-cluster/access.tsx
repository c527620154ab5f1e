// How Flotilla gets at the machines: a cloud account's credentials, or an SSH key for the
// user's own servers. Each offers the organization's stored choices, the sole one preselected.
import { type CloudProvider, catalog } from '@flotilla/providers/catalog';
import { Field } from '../../components/field.tsx';
import { Link } from '../../components/link.tsx';
import type { Outputs } from '../../trpc.ts';

type Choices<T> = { data?: T[] | undefined; isPending: boolean };

export function CloudCredentialsField({
  provider,
  credentials,
  value,
  error,
  onChange,
}: {
  provider: CloudProvider;
  credentials: Choices<Outputs['provider']['listCredentials'][number]>;
  value: string;
  error: string | undefined;
  onChange: (id: string) => void;
}) {
  return (
    <Field
      label="Credentials"
      hint={
        <>
          The {catalog[provider].label} account the machines are created in.{' '}
          <Link href="/settings/credentials">Manage credentials</Link>
        </>
      }
      error={error}
    >
      {(props) => (
        <select {...props} value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">
            {credentials.isPending
              ? 'Loading credentials…'
              : credentials.data?.length
                ? 'Choose credentials'
                : 'No credentials yet: add them in settings'}
          </option>
          {credentials.data?.map((credential) => (
            <option key={credential.id} value={credential.id}>
              {credential.name} ({credential.hint})
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function SshKeyField({
  sshKeys,
  value,
  error,
  onChange,
}: {
  sshKeys: Choices<Outputs['sshKey']['list'][number]>;
  value: string;
  error: string | undefined;
  onChange: (id: string) => void;
}) {
  return (
    <Field
      label="SSH key"
      hint={
        <>
          Flotilla logs in with this key. <Link href="/settings/ssh-keys">Manage SSH keys</Link>
        </>
      }
      error={error}
    >
      {(props) => (
        <select {...props} value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">
            {sshKeys.isPending
              ? 'Loading keys…'
              : sshKeys.data?.length
                ? 'Choose a key'
                : 'No SSH keys yet: add one in settings'}
          </option>
          {sshKeys.data?.map((key) => (
            <option key={key.id} value={key.id}>
              {key.name} ({key.fingerprint})
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
