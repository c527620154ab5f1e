export {
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
export { hashPassword, verifyPassword } from './password.ts';
export { type RotateOptions, type RotationCount, rotateSecrets } from './rotate.ts';
export { createSealer, SealedValueError, type Sealer, type SealerOptions } from './seal.ts';
export { type SealedColumn, sealedColumns } from './sealed-columns.ts';
export { generateToken, hashToken, safeEqual } from './token.ts';
