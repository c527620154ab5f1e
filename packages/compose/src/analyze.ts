// analyze: what of a compose file carries over to a Flotilla stack, without side effects.
// normalize: the stack definition Flotilla stores, from a file and the analysis the user saw.
import { createHash } from 'node:crypto';
import { canonical } from './canonical.ts';
import { type Conversion, convert } from './convert.ts';
import { ComposeError } from './errors.ts';
import type { ComposeFile, ParsedCompose } from './parse.ts';
import { renderStack } from './render.ts';
import {
  type Analysis,
  type ComposeIssue,
  type Finding,
  type Orchestrator,
  type Severity,
  type StackDefinition,
  stackDefinitionSchema,
} from './schemas.ts';

export interface AnalyzeOptions {
  /** Active profiles (as `docker compose --profile`). */
  profiles?: readonly string[];
}

function asParsed(input: ParsedCompose | ComposeFile): ParsedCompose {
  if ('compose' in input && 'lineOf' in input && typeof input.lineOf === 'function') {
    return input as ParsedCompose;
  }
  return { compose: input as ComposeFile, warnings: [], lineOf: () => undefined };
}

function digestOf(compose: ComposeFile, profiles: readonly string[]): string {
  const text = JSON.stringify(canonical({ compose, profiles: [...profiles].sort() }));
  return createHash('sha256').update(text).digest('hex');
}

function run(parsed: ParsedCompose, profiles: readonly string[]): Conversion {
  return convert(parsed.compose, { profiles, lineOf: parsed.lineOf });
}

const severities: Severity[] = ['ok', 'changed', 'dropped', 'blocker'];

/**
 * For each service and top-level key: what happens to it on Swarm and on Kubernetes, and why.
 * Takes the result of `parseCompose` (findings then carry line numbers) or a plain compose object.
 */
export function analyze(
  input: ParsedCompose | ComposeFile,
  options: AnalyzeOptions = {},
): Analysis {
  const parsed = asParsed(input);
  const profiles = options.profiles ?? [];
  const conversion = run(parsed, profiles);
  const all = [
    ...conversion.findings,
    ...conversion.services.flatMap((service) => service.findings),
  ];
  const count = (orchestrator: Orchestrator) =>
    Object.fromEntries(
      severities.map((severity) => [
        severity,
        all.filter((finding) => finding[orchestrator] === severity).length,
      ]),
    ) as Record<Severity, number>;
  const counts = { swarm: count('swarm'), kubernetes: count('kubernetes') };
  return {
    digest: digestOf(parsed.compose, profiles),
    services: conversion.services,
    findings: conversion.findings,
    counts,
    deployable: { swarm: counts.swarm.blocker === 0, kubernetes: counts.kubernetes.blocker === 0 },
    warnings: parsed.warnings,
  };
}

export interface NormalizeOptions {
  /** Leave out what the analysis calls `dropped`; without it such a file is refused. */
  drop: boolean;
  /** Whose verdicts decide (default swarm). */
  orchestrator?: Orchestrator;
  /** The profiles the analysis was made with. */
  profiles?: readonly string[];
}

export interface Normalized {
  definition: StackDefinition;
  /** The compose file `docker stack deploy` takes for this definition. */
  yaml: string;
  /** What was left out (`dropped`) and what was carried over in another form (`changed`). */
  dropped: Finding[];
  changed: Finding[];
}

function asIssues(findings: Finding[]): ComposeIssue[] {
  return findings.map((finding) => ({
    path: finding.path,
    message: finding.reason,
    ...(finding.line ? { line: finding.line } : {}),
  }));
}

/**
 * The stack definition Flotilla stores for a compose file, and its rendered compose YAML. Refuses
 * (ComposeError, a 400) a file with blockers, one with dropped parts unless `drop` is set, and an
 * analysis of another file than this one.
 */
export function normalize(
  input: ParsedCompose | ComposeFile,
  analysis: Analysis,
  options: NormalizeOptions,
): Normalized {
  const parsed = asParsed(input);
  const profiles = options.profiles ?? [];
  if (analysis.digest !== digestOf(parsed.compose, profiles)) {
    throw new ComposeError(
      'The analysis is of another compose file (or other profiles): analyze this file again',
    );
  }
  const orchestrator = options.orchestrator ?? 'swarm';
  const all = [...analysis.findings, ...analysis.services.flatMap((service) => service.findings)];
  const blockers = all.filter((finding) => finding[orchestrator] === 'blocker');
  if (blockers.length) {
    throw new ComposeError(
      `The compose file cannot be deployed on ${orchestrator === 'swarm' ? 'Swarm' : 'Kubernetes'}`,
      asIssues(blockers),
    );
  }
  const dropped = all.filter((finding) => finding[orchestrator] === 'dropped');
  if (dropped.length && !options.drop) {
    throw new ComposeError(
      'Parts of the compose file do not carry over; import with drop to leave them out',
      asIssues(dropped),
    );
  }
  const conversion = run(parsed, profiles);
  const result = stackDefinitionSchema.safeParse(conversion.definition);
  if (!result.success) {
    throw new ComposeError(
      'The compose file has values a stack cannot hold',
      result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(file)',
        message: issue.message,
      })),
    );
  }
  return {
    definition: result.data,
    yaml: renderStack(result.data),
    dropped,
    changed: all.filter((finding) => finding[orchestrator] === 'changed'),
  };
}
