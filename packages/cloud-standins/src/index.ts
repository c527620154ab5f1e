export type { AwsStandin, AwsStandinOptions } from './aws.ts';
export {
  awsReadOnlyCredentials,
  awsTestCredentials,
  canonicalOwnerId,
  startAwsStandin,
} from './aws.ts';
export type { DigitalOceanStandin, DigitalOceanStandinOptions } from './digitalocean.ts';
export {
  digitalOceanReadOnlyToken,
  digitalOceanTestToken,
  startDigitalOceanStandin,
} from './digitalocean.ts';
export { type FaultKind, type FaultPlan, Faults, faultKinds } from './faults.ts';
export type { HetznerStandin, HetznerStandinOptions } from './hetzner.ts';
export { hetznerReadOnlyToken, hetznerTestToken, startHetznerStandin } from './hetzner.ts';
export {
  createMemoryBackend,
  type LaunchRequest,
  type MachineBackend,
  type StandinMachine,
} from './machines.ts';
