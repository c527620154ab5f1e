// The stack's definition as a compose file: edited here, checked as it is typed (stack.analyze
// with the stack's own sealed variables, which never come back to the browser), saved as the
// draft (stack.save: the API's problems shown line by line), deployed as a version.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { Field } from '../../components/field.tsx';
import { ErrorNotice, Notice } from '../../components/states.tsx';
import { hrefFor, navigate } from '../../route.ts';
import { apiFieldErrors, apiIssues, useTRPC } from '../../trpc.ts';
import { AnalysisView, ComposeIssues } from './analysis.tsx';
import { type Analysis, runInFlight, type Stack } from './types.ts';
import { parseVariables } from './variables.ts';

const checkDelayMs = 600;

export function DefinitionSection({ stack }: { stack: Stack }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [compose, setCompose] = useState(stack.compose ?? '');
  const [variablesText, setVariablesText] = useState('');
  const [drop, setDrop] = useState(stack.drop);
  const [checked, setChecked] = useState<{ text: string; analysis: Analysis } | null>(null);
  const editorId = useId();
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.stack.one.queryKey({ stackId: stack.id }) });

  const check = useMutation(
    trpc.stack.analyze.mutationOptions({
      onSuccess: (analysis, input) => setChecked({ text: input.compose ?? '', analysis }),
    }),
  );
  const save = useMutation(
    trpc.stack.save.mutationOptions({
      onSuccess: (saved) => {
        setChecked(saved.analysis ? { text: saved.compose ?? '', analysis: saved.analysis } : null);
        setVariablesText('');
        void refresh();
      },
    }),
  );
  const deploy = useMutation(
    trpc.stack.deploy.mutationOptions({
      onSuccess: () => {
        void refresh();
        navigate(hrefFor({ page: 'stack', stackId: stack.id, tab: 'runs' }));
      },
    }),
  );
  const setStatus = useMutation(trpc.stack.setStatus.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(
    trpc.stack.remove.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.stack.all.pathKey() });
        navigate(hrefFor({ page: 'stacks' }));
      },
    }),
  );

  // Checked as it is typed, a moment after the typing stops.
  const { mutate: runCheck } = check;
  useEffect(() => {
    if (!compose.trim()) return;
    const timer = setTimeout(() => runCheck({ compose, stackId: stack.id }), checkDelayMs);
    return () => clearTimeout(timer);
  }, [compose, stack.id, runCheck]);

  const parsed = parseVariables(variablesText);
  const unsaved = compose !== (stack.compose ?? '') || drop !== stack.drop || variablesText !== '';
  const issues = apiIssues(save.error ?? check.error).filter((i) => i.path.startsWith('compose'));
  const saveFields = apiFieldErrors(save.error);
  const analysis = checked?.text === compose ? checked.analysis : null;
  const running = stack.lastRun && runInFlight.has(stack.lastRun.status);

  function submit() {
    if (parsed.error) return;
    save.mutate({
      stackId: stack.id,
      compose,
      drop,
      ...(variablesText.trim() ? { variables: parsed.variables } : {}),
    });
  }

  return (
    <>
      <section className="card" aria-labelledby="definition-heading">
        <div className="page-header">
          <h2 id="definition-heading">Definition</h2>
          <span className="muted" role="status" aria-live="polite">
            {check.isPending ? 'Checking…' : unsaved ? 'Unsaved changes' : 'Saved'}
          </span>
        </div>
        <div className="field">
          <label htmlFor={editorId}>Compose file (YAML)</label>
          <textarea
            id={editorId}
            className="mono"
            rows={20}
            spellCheck={false}
            value={compose}
            aria-invalid={issues.length > 0}
            onChange={(event) => setCompose(event.target.value)}
          />
        </div>
        <ComposeIssues issues={issues} />
        {analysis && <AnalysisView analysis={analysis} />}
        <Field
          label="Variables"
          hint={
            stack.variableNames.length ? (
              `Stored (sealed): ${stack.variableNames.join(', ')}. Leave empty to keep them; NAME=value lines replace them all.`
            ) : (
              <>
                Values for <code>$&#123;NAME&#125;</code> in the file, one NAME=value per line
                (stored sealed)
              </>
            )
          }
          error={parsed.error ?? saveFields.variables}
        >
          {(props) => (
            <textarea
              {...props}
              className="mono"
              rows={2}
              spellCheck={false}
              value={variablesText}
              onChange={(event) => setVariablesText(event.target.value)}
            />
          )}
        </Field>
        <label className="choice-row">
          <input
            type="checkbox"
            checked={drop}
            onChange={(event) => setDrop(event.target.checked)}
          />
          Leave out what does not carry over (bind mounts, privileged…)
        </label>
        {save.isSuccess && !unsaved && <Notice>Saved. Deploy it to make a version.</Notice>}
        {!issues.length && <ErrorNotice error={save.error ?? deploy.error} />}
        <div className="actions">
          <button
            type="button"
            className="button"
            disabled={save.isPending || !compose.trim() || stack.removing}
            onClick={submit}
          >
            Save
          </button>
          <button
            type="button"
            className="button button-primary"
            disabled={
              unsaved || !stack.compose || deploy.isPending || Boolean(running) || stack.removing
            }
            onClick={() => deploy.mutate({ stackId: stack.id })}
          >
            Deploy
          </button>
          {running && <span className="muted">A run is under way.</span>}
        </div>
      </section>
      <section className="card" aria-labelledby="stack-settings-heading">
        <h2 id="stack-settings-heading">Settings</h2>
        <div className="field">
          <label htmlFor={`${editorId}-status`}>Status</label>
          <select
            id={`${editorId}-status`}
            value={stack.status}
            disabled={setStatus.isPending}
            onChange={(event) =>
              setStatus.mutate({ stackId: stack.id, status: event.target.value as Stack['status'] })
            }
          >
            <option value="draft">draft</option>
            <option value="published">published</option>
            <option value="archived">archived (not deployed)</option>
          </select>
        </div>
        <CloneForm stack={stack} />
        <div className="danger-zone">
          <p>
            Removing the stack takes its services and networks off the cluster (named volumes stay
            on the nodes), then forgets its versions and runs.
          </p>
          <ErrorNotice error={remove.error ?? setStatus.error} />
          <ConfirmButton
            label="Remove stack"
            confirmLabel={`Remove ${stack.name}`}
            pending={remove.isPending}
            onConfirm={() => remove.mutate({ stackId: stack.id })}
          />
        </div>
      </section>
    </>
  );
}

function CloneForm({ stack }: { stack: Stack }) {
  const trpc = useTRPC();
  const [name, setName] = useState(`${stack.name} copy`);
  const clone = useMutation(
    trpc.stack.clone.mutationOptions({
      onSuccess: (copy) =>
        navigate(hrefFor({ page: 'stack', stackId: copy.id, tab: 'definition' })),
    }),
  );
  const errors = apiFieldErrors(clone.error);
  return (
    <form
      className="row"
      onSubmit={(event) => {
        event.preventDefault();
        clone.mutate({ stackId: stack.id, name });
      }}
    >
      <Field label="Copy as" error={errors.name ?? errors.stackName}>
        {(props) => (
          <input {...props} value={name} onChange={(event) => setName(event.target.value)} />
        )}
      </Field>
      <button type="submit" className="button" disabled={clone.isPending || !name.trim()}>
        Clone
      </button>
      {!Object.keys(errors).length && <ErrorNotice error={clone.error} />}
    </form>
  );
}
