// One-click templates: the gallery (template.all), and one template's instantiate form, generated
// from its typed variables (template.one) and answered by template.instantiate, whose refusals
// name the parameter (`parameters.<id>`) shown beside its field.
import type { TemplateVariable } from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Field } from '../components/field.tsx';
import { Link } from '../components/link.tsx';
import { Empty, ErrorNotice, Loading } from '../components/states.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor } from '../route.ts';
import { apiFieldErrors, type Outputs, useTRPC } from '../trpc.ts';
import { useClusters } from './apps.tsx';

type Summary = Outputs['template']['all'][number];
type Installed = Outputs['template']['instantiate'];

function creates({ creates }: Summary): string {
  const parts = [`${creates.apps} app${creates.apps === 1 ? '' : 's'}`];
  for (const engine of creates.databases) parts.push(`a ${engine} database`);
  return parts.join(', ');
}

export function TemplatesPage() {
  const trpc = useTRPC();
  const templates = useQuery(trpc.template.all.queryOptions());
  return (
    <>
      <div className="page-header">
        <h1>Templates</h1>
      </div>
      <p className="muted">
        Ready-made apps and databases: pick one, fill in its form, and it is installed on a cluster
        through the same steps as creating each part by hand.
      </p>
      <ErrorNotice error={templates.error} retry={() => templates.refetch()} />
      {templates.isPending && <Loading label="Loading templates…" />}
      {templates.data?.length === 0 && <Empty title="No templates" />}
      <ul className="template-gallery">
        {templates.data?.map((template) => (
          <li key={template.id} className="card template-card" data-template={template.id}>
            <h2>{template.name}</h2>
            <p>{template.description}</p>
            <p className="muted">Creates {creates(template)}.</p>
            <Link
              className="button button-primary"
              href={hrefFor({ page: 'template', templateId: template.id })}
              aria-label={`Install ${template.name}`}
            >
              Install…
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}

/** A default built from other variables (`${registry}/echo:1`) is the server's to fill in. */
function derivedDefault(variable: TemplateVariable): string | undefined {
  return typeof variable.default === 'string' && variable.default.includes('${')
    ? variable.default
    : undefined;
}

/** What the form says under a field: its description, default and generator. */
function hintOf(variable: TemplateVariable): string | undefined {
  const parts = [variable.description];
  const derived = derivedDefault(variable);
  if (derived) parts.push(`Left empty: ${derived}.`);
  if (variable.generator) {
    parts.push(
      variable.type === 'port'
        ? 'Left empty: a free port is picked.'
        : 'Left empty: a random one is generated.',
    );
  }
  if (variable.min !== undefined && variable.max !== undefined) {
    parts.push(`From ${variable.min} to ${variable.max}.`);
  }
  const text = parts.filter(Boolean).join(' ');
  return text || undefined;
}

function VariableField({ variable, error }: { variable: TemplateVariable; error?: string }) {
  const label = `${variable.label}${variable.required ? '' : ' (optional)'}`;
  const initial =
    variable.default === undefined || derivedDefault(variable)
      ? undefined
      : String(variable.default);
  if (variable.type === 'boolean') {
    return (
      <Field label={label} hint={hintOf(variable)} error={error}>
        {(props) => (
          <input
            {...props}
            type="checkbox"
            name={variable.id}
            value="true"
            defaultChecked={variable.default === true}
          />
        )}
      </Field>
    );
  }
  return (
    <Field label={label} hint={hintOf(variable)} error={error}>
      {(props) => {
        if (variable.type === 'enum') {
          return (
            <select {...props} name={variable.id} defaultValue={initial}>
              {variable.options?.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          );
        }
        if (variable.type === 'text') {
          return <textarea {...props} name={variable.id} defaultValue={initial} rows={4} />;
        }
        const numeric = variable.type === 'number' || variable.type === 'port';
        return (
          <input
            {...props}
            name={variable.id}
            type={variable.type === 'password' ? 'password' : 'text'}
            inputMode={numeric ? 'numeric' : undefined}
            autoComplete={variable.type === 'password' ? 'new-password' : 'off'}
            defaultValue={initial}
          />
        );
      }}
    </Field>
  );
}

export function TemplatePage({ templateId }: { templateId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const template = useQuery(
    trpc.template.one.queryOptions({ templateId, organizationId: organization.id }),
  );
  const clusters = useClusters();
  const org = useQuery(trpc.organization.one.queryOptions({ organizationId: organization.id }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [installed, setInstalled] = useState<Installed | null>(null);
  const instantiate = useMutation(
    trpc.template.instantiate.mutationOptions({
      onSuccess: (result) => {
        setInstalled(result);
        setErrors({});
        void queryClient.invalidateQueries({ queryKey: trpc.app.all.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.platform.stats.pathKey() });
      },
      onError: (error) => {
        // `parameters.name` belongs beside the field of the variable `name`.
        const fields: Record<string, string> = {};
        for (const [path, message] of Object.entries(apiFieldErrors(error))) {
          fields[path.replace(/^parameters\./, '')] = message;
        }
        setErrors(fields);
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!template.data) return;
    const data = new FormData(event.currentTarget);
    const parameters: Record<string, string | boolean> = {};
    for (const variable of template.data.variables) {
      if (variable.type === 'boolean') {
        parameters[variable.id] = data.get(variable.id) === 'true';
        continue;
      }
      const value = data.get(variable.id);
      // Left empty: the template's default or generator decides (a text may be empty on purpose).
      if (typeof value === 'string' && (value !== '' || variable.type === 'text')) {
        parameters[variable.id] = value;
      }
    }
    const clusterId = data.get('clusterId');
    instantiate.mutate({
      templateId,
      organizationId: organization.id,
      ...(typeof clusterId === 'string' && clusterId ? { clusterId } : {}),
      parameters,
    });
  }

  if (template.isPending) return <Loading label="Loading the template…" />;
  if (template.error)
    return <ErrorNotice error={template.error} retry={() => template.refetch()} />;
  const { name, description, variables } = template.data;
  const defaultCluster = org.data?.defaultClusterId ?? clusters.data?.[0]?.id ?? '';

  return (
    <>
      <p className="breadcrumb">
        <Link href={hrefFor({ page: 'templates' })}>Templates</Link> /
      </p>
      <div className="page-header">
        <h1>{name}</h1>
      </div>
      <p>{description}</p>
      {installed ? (
        <section className="card" aria-labelledby="installed-heading">
          <h2 id="installed-heading">Installed</h2>
          <div className="notice notice-success" role="status">
            <span>{name} is on its way: each part comes up by itself; follow it on its page.</span>
          </div>
          <ul>
            {installed.apps.map((app) => (
              <li key={app.id}>
                App{' '}
                <Link href={hrefFor({ page: 'app', appId: app.id, tab: 'overview' })}>
                  {app.name}
                </Link>
                {app.publishedPort ? ` (port ${app.publishedPort} on the nodes)` : ''}
              </li>
            ))}
            {installed.databases.map((database) => (
              <li key={database.id}>
                Database{' '}
                <Link href={`/databases/${encodeURIComponent(database.id)}`}>{database.name}</Link>{' '}
                ({database.engine} {database.version})
              </li>
            ))}
          </ul>
          <button type="button" className="button" onClick={() => setInstalled(null)}>
            Install another
          </button>
        </section>
      ) : (
        <form className="card" onSubmit={submit} noValidate aria-label={`Install ${name}`}>
          {/* Refusals of a field are shown beside it; anything else (a name taken) here. */}
          <ErrorNotice
            error={
              Object.keys(errors).every(
                (path) => path === 'clusterId' || variables.some((v) => v.id === path),
              ) && Object.keys(errors).length > 0
                ? null
                : instantiate.error
            }
          />
          <Field label="Cluster" error={errors.clusterId}>
            {(props) => (
              <select
                {...props}
                name="clusterId"
                key={defaultCluster}
                defaultValue={defaultCluster}
              >
                {clusters.data?.map((cluster) => (
                  <option key={cluster.id} value={cluster.id}>
                    {cluster.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {variables.map((variable) => (
            <VariableField key={variable.id} variable={variable} error={errors[variable.id]} />
          ))}
          <div className="actions">
            <button
              type="submit"
              className="button button-primary"
              disabled={instantiate.isPending || !clusters.data?.length}
            >
              {instantiate.isPending ? 'Installing…' : `Install ${name}`}
            </button>
          </div>
          {clusters.data?.length === 0 && (
            <p className="muted">
              Templates install on a cluster:{' '}
              <Link href={hrefFor({ page: 'createCluster' })}>create one first</Link>.
            </p>
          )}
        </form>
      )}
    </>
  );
}
