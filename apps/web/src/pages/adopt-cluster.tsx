// Adopt a Swarm (or k3s cluster) Flotilla did not create: SSH access to one of its managers,
// checked at once — a server that is not a manager is refused with the reason and nothing is
// recorded. Its nodes are then listed and watched like those of Flotilla's own clusters, and
// removing it later only forgets it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Field } from '../components/field.tsx';
import { Link } from '../components/link.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor, navigate } from '../route.ts';
import { apiFieldErrors, useTRPC } from '../trpc.ts';

export function AdoptClusterPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const sshKeys = useQuery(trpc.sshKey.list.queryOptions({ organizationId: organization.id }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const adopt = useMutation(
    trpc.cluster.import.mutationOptions({
      onSuccess: (cluster) => {
        void queryClient.invalidateQueries({ queryKey: trpc.cluster.all.pathKey() });
        navigate(hrefFor({ page: 'cluster', clusterId: cluster.id }));
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  const keys = sshKeys.data ?? [];

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    const missing: Record<string, string> = {};
    for (const name of ['name', 'host', 'sshKeyId']) if (!text(name)) missing[name] = 'is required';
    setErrors(missing);
    if (Object.keys(missing).length) return;
    adopt.mutate({
      organizationId: organization.id,
      name: text('name'),
      orchestrator: text('orchestrator') === 'kubernetes' ? 'kubernetes' : 'swarm',
      host: text('host'),
      port: Number(text('port') || 22),
      user: text('user') || 'root',
      sshKeyId: text('sshKeyId'),
    });
  }

  return (
    <>
      <p className="breadcrumb">
        <Link href={hrefFor({ page: 'clusters' })}>Clusters</Link> /
      </p>
      <div className="page-header">
        <h1>Adopt an existing cluster</h1>
      </div>
      <p className="muted">
        For a Docker Swarm (or a k3s cluster) that runs already. Flotilla reaches one of its
        managers over SSH, records every node the managers list and watches them from then on. It
        changes nothing on the servers, and removing the cluster from Flotilla later leaves them
        running.
      </p>
      <form className="card" onSubmit={submit} noValidate aria-label="Adopt a cluster">
        <div className="grid-2">
          <Field label="Name in Flotilla" error={errors.name}>
            {(props) => <input {...props} name="name" autoComplete="off" />}
          </Field>
          <Field label="Orchestrator" error={errors.orchestrator}>
            {(props) => (
              <select {...props} name="orchestrator" defaultValue="swarm">
                <option value="swarm">Docker Swarm</option>
                <option value="kubernetes">k3s (Kubernetes)</option>
              </select>
            )}
          </Field>
          <Field
            label="Manager address"
            hint="A Swarm manager (docker node ls answers there) or a k3s server"
            error={errors.host}
          >
            {(props) => <input {...props} name="host" autoComplete="off" spellCheck={false} />}
          </Field>
          <Field label="SSH port" error={errors.port}>
            {(props) => <input {...props} name="port" inputMode="numeric" defaultValue="22" />}
          </Field>
          <Field label="SSH user" error={errors.user}>
            {(props) => <input {...props} name="user" defaultValue="root" autoComplete="off" />}
          </Field>
          <Field
            label="SSH key"
            hint={
              <>
                One the manager accepts.{' '}
                <Link href={hrefFor({ page: 'settings', tab: 'ssh-keys' })}>Manage SSH keys</Link>
              </>
            }
            error={errors.sshKeyId}
          >
            {(props) => (
              <select {...props} name="sshKeyId" defaultValue="">
                <option value="" disabled>
                  Choose a key
                </option>
                {keys.map((key) => (
                  <option key={key.id} value={key.id}>
                    {key.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        {!Object.keys(errors).length && <ErrorNotice error={adopt.error} />}
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={adopt.isPending}>
            {adopt.isPending ? 'Reaching the manager…' : 'Adopt cluster'}
          </button>
        </div>
      </form>
    </>
  );
}
