// Every column that holds a sealed value, with the context its envelopes are bound to. Key
// rotation walks this list; a new kind of secret (app env values, registry passwords, database
// passwords) is one more entry here, beside its context function in contexts.ts.
import {
  appSecretEnvContext,
  deploymentSecretEnvContext,
  joinSecretsContext,
  kubeconfigContext,
  managedDatabasePasswordContext,
  providerCredentialContext,
  registryPasswordContext,
  sshKeyContext,
  stackDefinitionContext,
  stackVariablesContext,
  stackVersionDefinitionContext,
  stackVersionRenderedContext,
} from './contexts.ts';

export interface SealedColumn {
  /** How reports name it: `sshKey.privateKey`. */
  kind: string;
  /** Table and columns as Postgres names them (Prisma's model and field names). */
  table: string;
  idColumn: string;
  column: string;
  /** The sealing context of the row with this id. */
  context(id: string): string;
}

export const sealedColumns: readonly SealedColumn[] = [
  {
    kind: 'sshKey.privateKey',
    table: 'SshKey',
    idColumn: 'id',
    column: 'privateKeyEncrypted',
    context: sshKeyContext,
  },
  {
    kind: 'providerCredential.secret',
    table: 'ProviderCredential',
    idColumn: 'id',
    column: 'secretEncrypted',
    context: providerCredentialContext,
  },
  {
    kind: 'cluster.kubeconfig',
    table: 'Cluster',
    idColumn: 'id',
    column: 'kubeconfigEncrypted',
    context: kubeconfigContext,
  },
  {
    kind: 'cluster.joinSecrets',
    table: 'Cluster',
    idColumn: 'id',
    column: 'joinSecretsEncrypted',
    context: joinSecretsContext,
  },
  {
    kind: 'app.secretEnv',
    table: 'App',
    idColumn: 'id',
    column: 'secretEnvEncrypted',
    context: appSecretEnvContext,
  },
  {
    kind: 'deployment.secretEnv',
    table: 'Deployment',
    idColumn: 'id',
    column: 'secretEnvEncrypted',
    context: deploymentSecretEnvContext,
  },
  {
    kind: 'registry.password',
    table: 'Registry',
    idColumn: 'id',
    column: 'passwordEncrypted',
    context: registryPasswordContext,
  },
  {
    kind: 'stack.variables',
    table: 'Stack',
    idColumn: 'id',
    column: 'variablesEncrypted',
    context: stackVariablesContext,
  },
  {
    kind: 'stack.definition',
    table: 'Stack',
    idColumn: 'id',
    column: 'definitionEncrypted',
    context: stackDefinitionContext,
  },
  {
    kind: 'stackVersion.definition',
    table: 'StackVersion',
    idColumn: 'id',
    column: 'definitionEncrypted',
    context: stackVersionDefinitionContext,
  },
  {
    kind: 'stackVersion.rendered',
    table: 'StackVersion',
    idColumn: 'id',
    column: 'renderedEncrypted',
    context: stackVersionRenderedContext,
  },
  {
    kind: 'managedDatabase.password',
    table: 'ManagedDatabase',
    idColumn: 'id',
    column: 'passwordEncrypted',
    context: managedDatabasePasswordContext,
  },
];
