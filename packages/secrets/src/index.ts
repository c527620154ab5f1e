export {
  joinSecretsContext,
  kubeconfigContext,
  providerCredentialContext,
  sshKeyContext,
} from './contexts.ts';
export { hashPassword, verifyPassword } from './password.ts';
export { createSealer, type Sealer } from './seal.ts';
export { generateToken, hashToken, safeEqual } from './token.ts';
