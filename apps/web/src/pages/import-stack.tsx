// Import a docker-compose file: paste it or pick the file, give the values of its ${VARIABLES},
// and see what carries over — each finding with its line and reason — before anything is
// created. Parts that do not carry over are left out only when the user says so.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Field } from '../components/field.tsx';
import { Link } from '../components/link.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor, navigate } from '../route.ts';
import { apiFieldErrors, apiIssues, useTRPC } from '../trpc.ts';
import { useClusters } from './apps.tsx';
import { AnalysisView, ComposeIssues } from './stack/analysis.tsx';
import type { Analysis } from './stack/types.ts';
import { parseVariables } from './stack/variables.ts';

export function ImportStackPage({
  clusterId: routeCluster,
  stackId,
}: {
  clusterId?: string;
  stackId?: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const clusters = useClusters();
  const org = useQuery(trpc.organization.one.queryOptions({ organizationId: organization.id }));
  const [compose, setCompose] = useState('');
  const [variablesText, setVariablesText] = useState('');
  const [analyzed, setAnalyzed] = useState<{ key: string; analysis: Analysis } | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [clusterChoice, setClusterChoice] = useState<string | null>(null);
  const clusterId = clusterChoice ?? routeCluster ?? org.data?.defaultClusterId ?? '';
  const parsed = parseVariables(variablesText);
  // The analysis shown is of exactly this text and these variables; any edit asks again.
  const key = JSON.stringify([compose, parsed.variables]);
  const current = analyzed?.key === key ? analyzed.analysis : null;

  const analyze = useMutation(
    trpc.stack.analyze.mutationOptions({
      onSuccess: (analysis, input) =>
        setAnalyzed({ key: JSON.stringify([input.compose, input.variables]), analysis }),
    }),
  );
  const importStack = useMutation(
    trpc.stack.import.mutationOptions({
      onSuccess: (stack) => {
        void queryClient.invalidateQueries({ queryKey: trpc.stack.pathKey() });
        navigate(
          hrefFor({ page: 'stack', stackId: stack.id, tab: stack.lastRun ? 'runs' : 'definition' }),
        );
      },
      onError: (error) => setErrors(apiFieldErrors(error)),
    }),
  );

  async function readFile(file: File | undefined) {
    if (!file) return;
    setCompose(await file.text());
  }

  function runAnalysis() {
    if (parsed.error) return setErrors({ variables: parsed.error });
    if (!compose.trim()) return setErrors({ compose: 'paste the compose file or choose it' });
    setErrors({});
    analyze.mutate({ compose, variables: parsed.variables });
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!current) return runAnalysis();
    const data = new FormData(event.currentTarget);
    const name = String(data.get('name') ?? '').trim();
    if (!stackId && !name) return setErrors({ name: 'is required' });
    setErrors({});
    importStack.mutate({
      compose,
      variables: parsed.variables,
      drop: data.get('drop') === 'on',
      deploy: data.get('deploy') === 'on',
      ...(stackId
        ? { stackId }
        : {
            organizationId: organization.id,
            name,
            ...(clusterId ? { clusterId } : {}),
            description: String(data.get('description') ?? ''),
          }),
    });
  }

  const issues = apiIssues(analyze.error ?? importStack.error).filter((i) =>
    i.path.startsWith('compose'),
  );
  const dropped = current ? current.counts.swarm.dropped : 0;

  return (
    <>
      <p className="breadcrumb">
        <Link href={hrefFor({ page: 'stacks' })}>Stacks</Link> /
      </p>
      <div className="page-header">
        <h1>{stackId ? 'Import a new definition' : 'Import a compose file'}</h1>
      </div>
      <form onSubmit={submit} noValidate>
        <section className="card" aria-labelledby="compose-heading">
          <h2 id="compose-heading">1. The compose file</h2>
          <Field label="Compose file" hint="docker-compose.yml, compose.yaml…" error={errors.file}>
            {(props) => (
              <input
                {...props}
                type="file"
                accept=".yml,.yaml,application/yaml,text/yaml,text/plain"
                onChange={(event) => void readFile(event.target.files?.[0])}
              />
            )}
          </Field>
          <Field label="Or paste it" error={errors.compose}>
            {(props) => (
              <textarea
                {...props}
                name="compose"
                className="mono"
                rows={16}
                spellCheck={false}
                value={compose}
                onChange={(event) => setCompose(event.target.value)}
              />
            )}
          </Field>
          <Field
            label="Variables"
            hint="Values for ${NAME} in the file, one NAME=value per line; stored sealed, never shown again"
            error={errors.variables}
          >
            {(props) => (
              <textarea
                {...props}
                name="variables"
                className="mono"
                rows={3}
                spellCheck={false}
                value={variablesText}
                onChange={(event) => setVariablesText(event.target.value)}
              />
            )}
          </Field>
          <button
            type="button"
            className="button"
            onClick={runAnalysis}
            disabled={analyze.isPending}
          >
            {analyze.isPending ? 'Analyzing…' : 'Analyze'}
          </button>
        </section>
        <section className="card" aria-labelledby="analysis-heading" aria-live="polite">
          <h2 id="analysis-heading">2. What carries over</h2>
          <ComposeIssues issues={issues} />
          {!issues.length && <ErrorNotice error={analyze.error} />}
          {current ? (
            <AnalysisView analysis={current} />
          ) : (
            <p className="muted">
              Analyze the file to see what Flotilla deploys of it. Nothing is created until you
              import.
            </p>
          )}
        </section>
        <section className="card" aria-labelledby="import-heading">
          <h2 id="import-heading">3. Import</h2>
          {!stackId && (
            <div className="grid-2">
              <Field label="Stack name" error={errors.name ?? errors.stackName}>
                {(props) => <input {...props} name="name" autoComplete="off" />}
              </Field>
              <Field label="Cluster" error={errors.clusterId}>
                {(props) => (
                  <select
                    {...props}
                    value={clusterId}
                    onChange={(event) => setClusterChoice(event.target.value)}
                  >
                    <option value="">The organization's default cluster</option>
                    {(clusters.data ?? []).map((cluster) => (
                      <option key={cluster.id} value={cluster.id}>
                        {cluster.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Description" error={errors.description}>
                {(props) => <input {...props} name="description" autoComplete="off" />}
              </Field>
            </div>
          )}
          {dropped > 0 && (
            <label className="choice-row">
              <input type="checkbox" name="drop" />
              Leave out the {dropped} part(s) that do not carry over, as listed above
            </label>
          )}
          <label className="choice-row">
            <input type="checkbox" name="deploy" />
            Deploy it now
          </label>
          {!issues.length && (
            <ErrorNotice error={Object.keys(errors).length ? null : importStack.error} />
          )}
          <div className="actions">
            <button
              type="submit"
              className="button button-primary"
              disabled={!current?.deployable.swarm || importStack.isPending}
            >
              Import
            </button>
          </div>
        </section>
      </form>
    </>
  );
}
