import { addNodeInput, planSchema, roleSchema } from '@flotilla/router/schemas';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { Field } from '../../components/field.tsx';
import { Empty, ErrorNotice } from '../../components/states.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { Table } from '../../components/table.tsx';
import { apiFieldErrors, useTRPC } from '../../trpc.ts';
import { formValues, validate } from '../../validation.ts';
import type { ClusterDetail } from './types.ts';

const availabilityWords = {
  active: 'takes new work',
  pause: 'no new work; what runs stays',
  drain: 'its work moved away',
} as const;

export function NodesSection({ cluster }: { cluster: ClusterDetail }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const refresh = () =>
    queryClient.invalidateQueries({
      queryKey: trpc.cluster.one.queryKey({ clusterId: cluster.id }),
    });
  const addNode = useMutation(
    trpc.cluster.addNode.mutationOptions({
      onSuccess: refresh,
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );
  const removeNode = useMutation(trpc.cluster.removeNode.mutationOptions({ onSuccess: refresh }));
  // Whether the scheduler places work on a node: asked at once, applied by a job on the servers
  // (the row says "applying" until the managers report it).
  const drainNode = useMutation(trpc.cluster.drainNode.mutationOptions({ onSuccess: refresh }));
  const activateNode = useMutation(
    trpc.cluster.activateNode.mutationOptions({ onSuccess: refresh }),
  );
  const evacuateNode = useMutation(
    trpc.cluster.evacuateNode.mutationOptions({ onSuccess: refresh }),
  );
  const availabilityError = drainNode.error ?? activateNode.error ?? evacuateNode.error;
  const ownServers = cluster.provider === 'ssh';
  const busy = cluster.status === 'deleting';

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = formValues(form);
    const result = validate(addNodeInput, {
      clusterId: cluster.id,
      role: values.role,
      ...(ownServers
        ? {
            host: values.host,
            ...(values.port ? { port: values.port } : {}),
            ...(values.user ? { user: values.user } : {}),
          }
        : { plan: values.plan }),
    });
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) addNode.mutate(result.data, { onSuccess: () => form.reset() });
  }

  return (
    <section className="card" aria-labelledby="nodes-heading">
      <h2 id="nodes-heading">Nodes</h2>
      <ErrorNotice error={removeNode.error ?? availabilityError} />
      {cluster.nodes.length === 0 ? (
        <Empty title="No nodes" />
      ) : (
        <Table columns={['Name', 'Role', 'Plan', 'Address', 'Status', 'Scheduling']} actions>
          {cluster.nodes.map((node) => (
            <tr key={node.id} data-node={node.name}>
              <td data-label="Name">{node.name}</td>
              <td data-label="Role">{node.role}</td>
              <td data-label="Plan">{node.plan ?? 'own server'}</td>
              <td data-label="Address">
                <span className="mono">{node.ip ?? '—'}</span>
              </td>
              <td data-label="Status">
                <span className="status-cell">
                  <StatusBadge status={node.status} />
                  {node.statusReason && node.status !== 'running' && (
                    <span className="muted">{node.statusReason}</span>
                  )}
                </span>
              </td>
              <td data-label="Scheduling">
                <span className="status-cell">
                  <StatusBadge status={node.state} />
                  <span className="muted">
                    {availabilityWords[node.availability]}
                    {node.availabilityPending ? ' (applying on the servers…)' : ''}
                  </span>
                </span>
              </td>
              <td data-label="Actions">
                {node.status === 'running' && !busy && (
                  <span className="actions">
                    {node.availability !== 'pause' && (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={drainNode.isPending}
                        onClick={() => drainNode.mutate({ clusterId: cluster.id, nodeId: node.id })}
                        aria-label={`Drain ${node.name}`}
                      >
                        Drain
                      </button>
                    )}
                    {node.availability !== 'active' && (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={activateNode.isPending}
                        onClick={() =>
                          activateNode.mutate({ clusterId: cluster.id, nodeId: node.id })
                        }
                        aria-label={`Activate ${node.name}`}
                      >
                        Activate
                      </button>
                    )}
                    {node.availability !== 'drain' && (
                      <ConfirmButton
                        label="Evacuate"
                        confirmLabel={`Move the work off ${node.name}`}
                        pending={evacuateNode.isPending}
                        onConfirm={() =>
                          evacuateNode.mutate({ clusterId: cluster.id, nodeId: node.id })
                        }
                      />
                    )}
                  </span>
                )}
                {node.status !== 'deleting' && node.status !== 'draining' && !busy && (
                  <ConfirmButton
                    label="Remove"
                    confirmLabel={`Remove ${node.name}`}
                    pending={removeNode.isPending && removeNode.variables?.nodeId === node.id}
                    onConfirm={() => removeNode.mutate({ clusterId: cluster.id, nodeId: node.id })}
                  />
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      {!busy && (
        <form onSubmit={submit} noValidate aria-labelledby="add-node-heading">
          <h3 id="add-node-heading">Add a node</h3>
          <ErrorNotice error={addNode.error} />
          <div className="row">
            <Field label="Role" error={errors.role}>
              {(props) => (
                <select {...props} name="role" defaultValue="worker">
                  {roleSchema.options.map((role) => (
                    <option key={role} value={role}>
                      {role}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {ownServers ? (
              <>
                <Field label="Server address" error={errors.host}>
                  {(props) => <input {...props} name="host" placeholder="10.0.0.12" />}
                </Field>
                <Field label="SSH port" error={errors.port}>
                  {(props) => <input {...props} name="port" inputMode="numeric" placeholder="22" />}
                </Field>
                <Field label="SSH user" error={errors.user}>
                  {(props) => <input {...props} name="user" placeholder="root" />}
                </Field>
              </>
            ) : (
              <Field label="Plan" error={errors.plan}>
                {(props) => (
                  <select {...props} name="plan" defaultValue="small">
                    {planSchema.options.map((plan) => (
                      <option key={plan} value={plan}>
                        {plan}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            )}
            <button type="submit" className="button" disabled={addNode.isPending}>
              {addNode.isPending ? 'Adding…' : 'Add node'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
