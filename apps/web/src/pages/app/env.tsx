// The app's environment. Plain values come with the app; secret values stay masked until the
// user asks to see them (app.env: manage permission, and every read is in the audit log), and
// are dropped from the page again on hiding or saving. Changes apply with the next deploy.
import { appUpdateInput } from '@flotilla/router/schemas';
import { skipToken, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { ErrorNotice, Notice } from '../../components/states.tsx';
import { apiFieldErrors, useTRPC } from '../../trpc.ts';
import { validate } from '../../validation.ts';
import { EnvEditor, type EnvRow, envPatch, envRow, envRowErrors } from './env-editor.tsx';
import { useRefreshApp } from './overview.tsx';
import type { App } from './types.ts';

function storedRows(app: App): EnvRow[] {
  return [
    ...Object.entries(app.env).map(([name, value]) => envRow({ name, value })),
    ...app.secretEnvNames.map((name) => envRow({ name, secret: true, hidden: true })),
  ].sort((a, b) => a.name.localeCompare(b.name));
}

export function EnvSection({ app }: { app: App }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = useRefreshApp(app.id);
  const [rows, setRows] = useState(() => storedRows(app));
  const [rowErrors, setRowErrors] = useState<Record<number, string>>({});
  const [revealed, setRevealed] = useState(false);
  const [saved, setSaved] = useState(false);

  const secrets = useQuery({
    ...trpc.app.env.queryOptions(revealed ? { appId: app.id } : skipToken),
    // Each read is audited: once per click, never in the background, never kept in the cache.
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    retry: false,
  });
  useEffect(() => {
    const values = secrets.data?.secretEnv;
    if (!values) return;
    setRows((current) =>
      current.map((row) =>
        row.hidden && row.value === '' && row.name in values
          ? { ...row, value: values[row.name] ?? '', hidden: false }
          : row,
      ),
    );
    // The audit list now has one more entry.
    void queryClient.invalidateQueries({ queryKey: trpc.app.audit.pathKey() });
  }, [secrets.data, queryClient, trpc]);

  function hide() {
    const values = secrets.data?.secretEnv ?? {};
    setRows((current) =>
      current.map((row) =>
        row.secret && values[row.name] === row.value ? { ...row, value: '', hidden: true } : row,
      ),
    );
    setRevealed(false);
  }

  const deploy = useMutation(trpc.app.deploy.mutationOptions({ onSettled: refresh }));
  const save = useMutation(
    trpc.app.update.mutationOptions({
      onSuccess: (updated) => {
        queryClient.setQueryData(trpc.app.one.queryKey({ appId: app.id }), updated);
        setRows(storedRows(updated));
        setRevealed(false);
        setSaved(true);
        refresh();
      },
      onError: (error) => {
        const fields = apiFieldErrors(error);
        const byRow: Record<number, string> = {};
        for (const row of rows) {
          const message = fields[`env.${row.name}`] ?? fields[`secretEnv.${row.name}`];
          if (message) byRow[row.key] = message;
        }
        setRowErrors(byRow);
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const errors = envRowErrors(rows);
    setRowErrors(errors);
    if (Object.keys(errors).length > 0) return;
    const patch = envPatch({ env: app.env, secretNames: app.secretEnvNames }, rows);
    const result = validate(appUpdateInput, { appId: app.id, ...patch });
    if (!result.ok) {
      const byRow: Record<number, string> = {};
      for (const row of rows) {
        const message = result.errors[`env.${row.name}`] ?? result.errors[`secretEnv.${row.name}`];
        if (message) byRow[row.key] = message;
      }
      setRowErrors(byRow);
      return;
    }
    save.mutate(result.data);
  }

  const hasSecrets = app.secretEnvNames.length > 0;
  return (
    <section className="card" aria-labelledby="env-heading">
      <div className="page-header">
        <h2 id="env-heading">Environment</h2>
        {hasSecrets &&
          (revealed && secrets.data ? (
            <button type="button" className="button button-small" onClick={hide}>
              Hide secret values
            </button>
          ) : (
            <button
              type="button"
              className="button button-small"
              disabled={secrets.isFetching}
              onClick={() => setRevealed(true)}
            >
              {secrets.isFetching ? 'Revealing…' : 'Reveal secret values'}
            </button>
          ))}
      </div>
      <p className="muted">
        Secret values are encrypted at rest; revealing them is recorded in the app’s audit log.
        Changes apply with the next deploy (no rebuild).
      </p>
      <ErrorNotice error={secrets.error} />
      {saved && (
        <Notice>
          <span>Saved. The running tasks keep the old values until the next deploy.</span>
          <button
            type="button"
            className="button button-small button-primary"
            disabled={deploy.isPending || deploy.isSuccess}
            onClick={() => deploy.mutate({ appId: app.id })}
          >
            {deploy.isSuccess ? `Deployment #${deploy.data.ordinal} queued` : 'Deploy now'}
          </button>
        </Notice>
      )}
      <ErrorNotice error={save.error ?? deploy.error} />
      <form onSubmit={submit} noValidate>
        <EnvEditor legend="Variables" rows={rows} onChange={setRows} errors={rowErrors} />
        <div className="actions">
          <button
            type="submit"
            className="button button-primary"
            disabled={save.isPending || app.status === 'deleting'}
          >
            {save.isPending ? 'Saving…' : 'Save environment'}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setRows(storedRows(app));
              setRowErrors({});
              setRevealed(false);
            }}
          >
            Discard changes
          </button>
        </div>
      </form>
    </section>
  );
}
