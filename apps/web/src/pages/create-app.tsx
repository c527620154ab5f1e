import {
  appCreateInput,
  appSourceTypes,
  publishedPortRange,
  slugOf,
} from '@flotilla/router/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Field } from '../components/field.tsx';
import { Link } from '../components/link.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { useOrganization } from '../organization.tsx';
import { hrefFor, navigate } from '../route.ts';
import { apiFieldErrors, type Inputs, useTRPC } from '../trpc.ts';
import { formValues, validate } from '../validation.ts';
import { EnvEditor, type EnvRow, envRecords, envRowErrors } from './app/env-editor.tsx';
import type { App } from './app/types.ts';
import { archiveTypes, UploadError, uploadSource } from './app/upload.ts';
import { useClusters } from './apps.tsx';

type SourceType = (typeof appSourceTypes)[number];

const sourceLabels: Record<SourceType, string> = {
  image: 'Container image',
  git: 'Git repository',
  upload: 'Upload a source archive',
};

/** Field errors on `env.NAME` belong to the row of that name. */
function envErrorsByRow(errors: Record<string, string>, rows: readonly EnvRow[]) {
  const byRow: Record<number, string> = {};
  for (const [path, message] of Object.entries(errors)) {
    const match = /^(env|secretEnv)\.(.+)$/.exec(path);
    const row = match && rows.find((r) => r.name.trim() === match[2]);
    if (row) byRow[row.key] = message === 'Invalid key in record' ? 'not a variable name' : message;
  }
  return byRow;
}

export function CreateAppPage({ clusterId: routeCluster }: { clusterId?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { organization } = useOrganization();
  const [sourceType, setSourceType] = useState<SourceType>('image');
  const [name, setName] = useState('');
  const [envRows, setEnvRows] = useState<EnvRow[]>([]);
  const [clusterChoice, setClusterChoice] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [envErrors, setEnvErrors] = useState<Record<number, string>>({});
  // Upload apps are created first, then sent their source; a failed upload is retried on the
  // same app rather than creating a second one.
  const [created, setCreated] = useState<App | null>(null);
  const [uploadError, setUploadError] = useState<unknown>(null);

  const clusters = useClusters();
  const org = useQuery(trpc.organization.one.queryOptions({ organizationId: organization.id }));
  const registries = useQuery(trpc.registry.all.queryOptions({ organizationId: organization.id }));
  const onlyCluster = clusters.data?.length === 1 ? clusters.data[0]?.id : undefined;
  const clusterId =
    clusterChoice ?? routeCluster ?? org.data?.defaultClusterId ?? onlyCluster ?? '';

  const upload = useMutation({
    mutationFn: ({ appId, file }: { appId: string; file: File }) => uploadSource(appId, file),
    onSuccess: (_deployment, { appId }) =>
      navigate(hrefFor({ page: 'app', appId, tab: 'deployments' })),
    onError: (error) => {
      setUploadError(error);
      if (error instanceof UploadError) setErrors(error.fields);
    },
  });
  const create = useMutation(
    trpc.app.create.mutationOptions({
      onSuccess: (app) => {
        void queryClient.invalidateQueries({ queryKey: trpc.app.all.pathKey() });
        queryClient.setQueryData(trpc.app.one.queryKey({ appId: app.id }), app);
        if (app.sourceType !== 'upload') {
          navigate(hrefFor({ page: 'app', appId: app.id, tab: 'overview' }));
        }
      },
      onError: (error) => {
        const fields = apiFieldErrors(error);
        setErrors(fields);
        setEnvErrors(envErrorsByRow(fields, envRows));
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = formValues(form);
    const file = (form.elements.namedItem('file') as HTMLInputElement | null)?.files?.[0];
    setUploadError(null);
    if (created) {
      if (file) upload.mutate({ appId: created.id, file });
      else setErrors({ file: 'choose the source archive again' });
      return;
    }
    const rowErrors = envRowErrors(envRows);
    const { env, secretEnv } = envRecords(envRows);
    const { source: _source, ...fields } = values;
    const result = validate(appCreateInput, {
      ...fields,
      organizationId: organization.id,
      sourceType,
      ...(clusterId ? { clusterId } : {}),
      env,
      secretEnv,
    });
    const fieldErrors = result.ok ? {} : result.errors;
    if (sourceType === 'upload' && !file) fieldErrors.file = 'is required: a .tar or .tar.gz file';
    setErrors(fieldErrors);
    const allEnvErrors = { ...envErrorsByRow(fieldErrors, envRows), ...rowErrors };
    setEnvErrors(allEnvErrors);
    if (!result.ok || Object.keys(fieldErrors).length > 0 || Object.keys(allEnvErrors).length > 0)
      return;
    create.mutate(result.data as Inputs['app']['create'], {
      onSuccess: (app) => {
        if (app.sourceType !== 'upload' || !file) return;
        setCreated(app);
        upload.mutate({ appId: app.id, file });
      },
    });
  }

  const slug = slugOf(name);
  const pending = create.isPending || upload.isPending;

  return (
    <>
      <p className="breadcrumb">
        <Link href={hrefFor({ page: 'apps' })}>Apps</Link> /
      </p>
      <div className="page-header">
        <h1>New app</h1>
      </div>
      <form className="card" onSubmit={submit} noValidate>
        <ErrorNotice error={create.error} />
        {created && (
          <div className="notice notice-error" role="alert">
            <span>
              App “{created.name}” was created, but its source did not arrive:{' '}
              {uploadError instanceof Error ? uploadError.message : 'the upload failed'}. Choose the
              file again and send it, or{' '}
              <Link href={hrefFor({ page: 'app', appId: created.id, tab: 'deployments' })}>
                open the app
              </Link>
              .
            </span>
          </div>
        )}
        <fieldset disabled={Boolean(created)}>
          <legend>Source</legend>
          <div className="choice-row">
            {appSourceTypes.map((option) => (
              <label key={option}>
                <input
                  type="radio"
                  name="source"
                  value={option}
                  checked={sourceType === option}
                  onChange={() => {
                    setSourceType(option);
                    setErrors({});
                  }}
                />
                {sourceLabels[option]}
              </label>
            ))}
          </div>
        </fieldset>

        <Field
          label="Name"
          hint={
            slug
              ? `Its service and subdomain: ${slug}`
              : 'Names the service on the cluster and the subdomain.'
          }
          error={errors.name ?? errors.slug}
        >
          {(props) => (
            <input
              {...props}
              name="name"
              value={name}
              onChange={(event) => setName(event.target.value)}
              autoComplete="off"
              placeholder="my-api"
              readOnly={Boolean(created)}
            />
          )}
        </Field>

        {sourceType === 'image' && (
          <Field
            label="Image"
            hint="[registry[:port]/]name[:tag] or …@sha256:digest"
            error={errors.imageUrl}
          >
            {(props) => (
              <input
                {...props}
                name="imageUrl"
                autoComplete="off"
                spellCheck={false}
                placeholder="registry.example.com/team/api:v1"
              />
            )}
          </Field>
        )}
        {sourceType === 'git' && (
          <div className="grid-2">
            <Field
              label="Repository URL"
              hint="https://, ssh:// or git@host:path"
              error={errors.repoUrl}
            >
              {(props) => <input {...props} name="repoUrl" autoComplete="off" spellCheck={false} />}
            </Field>
            <Field label="Branch" error={errors.repoBranch}>
              {(props) => (
                <input {...props} name="repoBranch" placeholder="main" autoComplete="off" />
              )}
            </Field>
          </div>
        )}
        {sourceType === 'upload' && (
          <Field
            label="Source archive"
            hint="A .tar or .tar.gz of the source; built on a cluster manager and pushed to the registry."
            error={errors.file}
          >
            {(props) => <input {...props} name="file" type="file" accept={archiveTypes} />}
          </Field>
        )}
        {sourceType !== 'image' && (
          <Field
            label="Build command"
            hint="Optional: run before the image is built (without a Dockerfile, the source is served as it is)."
            error={errors.buildCommand}
          >
            {(props) => (
              <input {...props} name="buildCommand" autoComplete="off" spellCheck={false} />
            )}
          </Field>
        )}

        <div className="grid-2">
          <Field label="Port" hint="Where the app listens in its container." error={errors.port}>
            {(props) => <input {...props} name="port" inputMode="numeric" placeholder="80" />}
          </Field>
          <Field
            label="Published port"
            hint={`Where clients reach it on the nodes; a free one of ${publishedPortRange.min}–${publishedPortRange.max} if empty.`}
            error={errors.publishedPort}
          >
            {(props) => <input {...props} name="publishedPort" inputMode="numeric" />}
          </Field>
          <Field label="Replicas" error={errors.replicas}>
            {(props) => <input {...props} name="replicas" inputMode="numeric" defaultValue="1" />}
          </Field>
        </div>

        <EnvEditor
          legend="Environment"
          hint="Secret values are encrypted at rest and shown again only on request, to those who may manage the app."
          rows={envRows}
          onChange={setEnvRows}
          errors={envErrors}
        />

        <div className="grid-2">
          <Field
            label="Cluster"
            hint={
              org.data?.defaultClusterId && clusterId === org.data.defaultClusterId
                ? 'The organization’s default cluster.'
                : undefined
            }
            error={errors.clusterId}
          >
            {(props) => (
              <select
                {...props}
                value={clusterId}
                onChange={(event) => setClusterChoice(event.target.value)}
                disabled={Boolean(created)}
              >
                <option value="">Choose a cluster</option>
                {(clusters.data ?? []).map((cluster) => (
                  <option key={cluster.id} value={cluster.id}>
                    {cluster.name}
                    {cluster.id === org.data?.defaultClusterId ? ' (default)' : ''}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Registry"
            hint="Credentials to pull the image (and where builds push)."
            error={errors.registryId}
          >
            {(props) => (
              <select {...props} name="registryId" defaultValue="">
                <option value="">Automatic: the image’s registry, else the default</option>
                {(registries.data ?? []).map((registry) => (
                  <option key={registry.id} value={registry.id}>
                    {registry.name} ({registry.server}){registry.isDefault ? ', default' : ''}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <ErrorNotice error={clusters.error ?? registries.error} />

        <div className="actions">
          <button type="submit" className="button button-primary" disabled={pending}>
            {create.isPending
              ? 'Creating…'
              : upload.isPending
                ? 'Uploading…'
                : created
                  ? 'Send the source'
                  : 'Create app'}
          </button>
          <Link className="button" href={hrefFor({ page: 'apps', clusterId: routeCluster })}>
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
