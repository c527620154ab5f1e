// @flotilla/compose: docker-compose files in, Flotilla stack definitions out. Pure functions, no
// I/O but reading the compose specification's schema once.
export {
  type AnalyzeOptions,
  analyze,
  type Normalized,
  type NormalizeOptions,
  normalize,
} from './analyze.ts';
export { diff } from './diff.ts';
export { ComposeError, type PathSegment, pathString } from './errors.ts';
export {
  InterpolationError,
  type InterpolationResult,
  interpolate,
  interpolateString,
} from './interpolate.ts';
export { type ComposeFile, type ParsedCompose, type ParseOptions, parseCompose } from './parse.ts';
export { renderedComposeVersion, renderStack, renderStackObject } from './render.ts';
export * from './schemas.ts';
export { composeSpecSchema, type SpecIssue, validateComposeSpec } from './spec.ts';
