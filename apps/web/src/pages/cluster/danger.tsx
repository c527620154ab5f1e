import { clusterUpdateInput } from '@flotilla/router/schemas';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Field } from '../../components/field.tsx';
import { ErrorNotice, Notice } from '../../components/states.tsx';
import { navigate } from '../../route.ts';
import { apiFieldErrors, useTRPC } from '../../trpc.ts';
import { formValues, validate } from '../../validation.ts';
import type { ClusterDetail } from './types.ts';

export function RenameForm({ cluster }: { cluster: ClusterDetail }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const rename = useMutation(
    trpc.cluster.update.mutationOptions({
      onSuccess: (updated) => {
        queryClient.setQueryData(trpc.cluster.one.queryKey({ clusterId: cluster.id }), updated);
        void queryClient.invalidateQueries({ queryKey: trpc.cluster.all.pathKey() });
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = validate(clusterUpdateInput, {
      ...formValues(event.currentTarget),
      clusterId: cluster.id,
    });
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) rename.mutate(result.data);
  }

  return (
    <form onSubmit={submit} noValidate>
      {rename.isSuccess && <Notice>Renamed to {rename.data.name}.</Notice>}
      <ErrorNotice error={rename.error} />
      <div className="row">
        <Field label="Cluster name" error={errors.name}>
          {(props) => (
            <input {...props} name="name" defaultValue={cluster.name} key={cluster.name} />
          )}
        </Field>
        <button type="submit" className="button" disabled={rename.isPending}>
          {rename.isPending ? 'Renaming…' : 'Rename'}
        </button>
      </div>
    </form>
  );
}

export function DangerZone({ cluster }: { cluster: ClusterDetail }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [typed, setTyped] = useState('');
  const remove = useMutation(
    trpc.cluster.remove.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.cluster.all.pathKey() });
        navigate('/clusters');
      },
    }),
  );
  if (cluster.status === 'deleting') {
    return (
      <p className="muted">This cluster is being deleted: its machines are being destroyed.</p>
    );
  }
  const matches = typed === cluster.name;

  return (
    <form
      className="danger-zone"
      onSubmit={(event) => {
        event.preventDefault();
        if (matches) remove.mutate({ clusterId: cluster.id });
      }}
      aria-labelledby="delete-heading"
    >
      <h3 id="delete-heading">Delete this cluster</h3>
      <p className="muted">
        Every node is drained and every machine Flotilla created for it is destroyed. This cannot be
        undone.
      </p>
      <ErrorNotice error={remove.error} />
      <div className="row">
        <Field label={`Type “${cluster.name}” to confirm`}>
          {(props) => (
            <input
              {...props}
              value={typed}
              onChange={(event) => setTyped(event.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
          )}
        </Field>
        <button
          type="submit"
          className="button button-danger"
          disabled={!matches || remove.isPending}
        >
          {remove.isPending ? 'Deleting…' : 'Delete cluster'}
        </button>
      </div>
    </form>
  );
}
