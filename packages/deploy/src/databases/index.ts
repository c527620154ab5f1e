export { type BackupStore, createDirectoryBackupStore, type StoredBackup } from './backups.ts';
export {
  type ConnectionDetails,
  connectionEnv,
  connectionHost,
  type DatabaseEngine,
  databaseEngines,
  databaseImage,
  type EngineProfile,
  engineProfiles,
  isKnownVersion,
  kubernetesDatabasesNamespace,
} from './engines.ts';
export {
  createKubernetesDatabases,
  databaseOwner,
  type KubernetesDatabase,
  type KubernetesDatabaseProbe,
  type KubernetesDatabaseRemoveResult,
  type KubernetesDatabases,
  kubernetesDatabaseObjects,
} from './kubernetes.ts';
export {
  buildDatabaseServiceSpec,
  type DatabaseBuildOptions,
  type DatabaseSpec,
  type DatabaseSpecInput,
  databaseLabels,
  databaseObjectNames,
  databaseSpecSchema,
} from './spec.ts';
export {
  createSwarmDatabases,
  type DatabaseBackup,
  type DatabaseDeployOptions,
  type DatabaseDeployResult,
  type DatabaseRemoveResult,
  type ProbeResult,
  type PublishedPort,
  type RestoreResult,
  type SwarmDatabases,
  type SwarmDatabasesOptions,
} from './swarm.ts';
