export {
  BuildError,
  type BuildLine,
  type BuildRequest,
  type BuildResult,
  type BuildSource,
  type BuildStep,
  buildImage,
  type RegistryLogin,
} from './build.ts';
export { buildDir, buildsRoot, generatedDockerfile } from './commands.ts';
export {
  branchProblem,
  buildCommandSchema,
  gitBranchSchema,
  gitUrlProblem,
  gitUrlSchema,
  redactUrl,
} from './source.ts';
export {
  defaultTarballLimits,
  inspectTarball,
  TarballError,
  type TarballLimits,
  type TarballSummary,
} from './tarball.ts';
