// The stack's versions, newest first: what each deployed (services, digest of the file), which
// one runs now, what changed between two (service by service), and restoring an older one.
import {
  keepPreviousData,
  skipToken,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Empty, ErrorNotice, Loading, Notice } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { type Outputs, useTRPC } from '../../trpc.ts';
import { formatTime } from '../app/format.ts';
import { runInFlight, type Stack } from './types.ts';

type Diff = Outputs['stack']['compare']['diff'];

function show(value: unknown): string {
  return value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value);
}

export function VersionsSection({ stack }: { stack: Stack }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const versions = useQuery({
    ...trpc.stack.versions.queryOptions({ stackId: stack.id, limit: 100 }),
    placeholderData: keepPreviousData,
  });
  const restore = useMutation(
    trpc.stack.restore.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.stack.pathKey() });
      },
    }),
  );
  const rows = versions.data ?? [];
  const running = stack.lastRun && runInFlight.has(stack.lastRun.status);

  return (
    <>
      <section className="card" aria-labelledby="versions-heading">
        <h2 id="versions-heading">Versions</h2>
        {restore.isSuccess && (
          <Notice>
            Run #{restore.data.ordinal} restores version {restore.data.version}, with the images it
            ran. Follow it under Runs.
          </Notice>
        )}
        <ErrorNotice error={versions.error ?? restore.error} />
        {versions.isPending && <Loading label="Loading versions…" />}
        {versions.isSuccess && rows.length === 0 && (
          <Empty title="No version yet: each deploy makes one" />
        )}
        {rows.length > 0 && (
          <Table columns={['Version', 'Services', 'Digest', 'By', 'Created']} actions>
            {rows.map((version) => (
              <tr key={version.id} data-version={version.version}>
                <td data-label="Version">
                  {version.version}
                  {version.current && <strong> (running)</strong>}
                </td>
                <td data-label="Services">{version.services.join(', ')}</td>
                <td data-label="Digest">
                  <code>{version.digest.slice(0, 12)}</code>
                </td>
                <td data-label="By">{version.createdBy?.name ?? '—'}</td>
                <td data-label="Created">{formatTime(version.createdAt)}</td>
                <td data-label="Actions">
                  {!version.current && (
                    <button
                      type="button"
                      className="button button-small"
                      disabled={Boolean(running) || restore.isPending || stack.removing}
                      onClick={() =>
                        restore.mutate({ stackId: stack.id, version: version.version })
                      }
                    >
                      Restore version {version.version}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      {rows.length > 1 && <Compare stackId={stack.id} versions={rows.map((v) => v.version)} />}
    </>
  );
}

function Compare({ stackId, versions }: { stackId: string; versions: number[] }) {
  const trpc = useTRPC();
  const id = useId();
  const [from, setFrom] = useState(versions[1] ?? 1);
  const [to, setTo] = useState(versions[0] ?? 1);
  const compare = useQuery(
    trpc.stack.compare.queryOptions(from !== to ? { stackId, from, to } : skipToken),
  );
  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Compare versions</h2>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={`${id}-from`}>From</label>
          <select id={`${id}-from`} value={from} onChange={(e) => setFrom(Number(e.target.value))}>
            {versions.map((v) => (
              <option key={v} value={v}>
                version {v}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>To</label>
          <select id={`${id}-to`} value={to} onChange={(e) => setTo(Number(e.target.value))}>
            {versions.map((v) => (
              <option key={v} value={v}>
                version {v}
              </option>
            ))}
          </select>
        </div>
      </div>
      {from === to && <p className="muted">Pick two different versions.</p>}
      <ErrorNotice error={compare.error} />
      {compare.data && <DiffView diff={compare.data.diff} />}
    </section>
  );
}

function DiffView({ diff }: { diff: Diff }) {
  const others = (['networks', 'volumes', 'secrets', 'configs'] as const).flatMap((kind) =>
    (['added', 'removed', 'changed'] as const).flatMap((change) =>
      diff[kind][change].map((name) => `${kind.slice(0, -1)} ${name} ${change}`),
    ),
  );
  if (diff.services.length === 0 && others.length === 0) {
    return <p role="status">The two versions deploy the same services.</p>;
  }
  return (
    <ul className="key-list" aria-label="Changes" data-testid="diff">
      {diff.services.map((service) => (
        <li key={service.name} data-change={`${service.name} ${service.change}`}>
          <strong>{service.name}</strong> {service.change}
          {service.change !== 'changed' && (
            <>
              {' '}
              (<code>{service.image}</code>)
            </>
          )}
          {service.fields.length > 0 && (
            <ul>
              {service.fields.map((field) => (
                <li key={field.field}>
                  {field.kind === 'env' ? (
                    <>
                      environment:{' '}
                      {[
                        ...field.added.map((n) => `+${n}`),
                        ...field.removed.map((n) => `−${n}`),
                        ...field.changed.map((n) => `~${n}`),
                      ].join(' ')}
                    </>
                  ) : (
                    <>
                      {field.field}: <code>{show(field.from)}</code> → <code>{show(field.to)}</code>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
      {diff.unchanged.length > 0 && (
        <li className="muted">unchanged: {diff.unchanged.join(', ')}</li>
      )}
      {others.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}
