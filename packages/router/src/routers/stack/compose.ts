// Compose files as stack procedures take them: parsed and checked against the compose
// specification (@flotilla/compose), analyzed for the stack's orchestrator, normalized into the
// definition Flotilla stores, and the file `docker stack deploy` takes. A file that cannot be
// used is a 400 whose issues name `compose` (or the place inside it, `compose.services.web.image`)
// with the line, so an editor can point at it.
import { createHash } from 'node:crypto';
import {
  type Analysis,
  analyze,
  ComposeError,
  type Finding,
  normalize,
  parseCompose,
  type StackDefinition,
} from '@flotilla/compose';
import { maxComposeBytes } from '@flotilla/compose/schemas';
import { FieldError, fieldError } from '../../errors.ts';

export interface ComposeText {
  compose: string;
  variables: Record<string, string>;
  profiles: string[];
}

export interface PreparedStack {
  analysis: Analysis;
  definition: StackDefinition;
  /** The compose file `docker stack deploy` takes. */
  rendered: string;
  /** sha256 of `rendered`: equal digests deploy the same thing. */
  digest: string;
  dropped: Finding[];
}

/** A ComposeError as the API's field issues: `compose` or `compose.<path inside the file>`. */
export function composeFieldError(error: ComposeError): FieldError {
  const issues = error.issues.length
    ? error.issues.map((issue) => ({
        path: issue.path && issue.path !== '(file)' ? `compose.${issue.path}` : 'compose',
        message: issue.message,
        ...(issue.line ? { line: issue.line } : {}),
      }))
    : [{ path: 'compose', message: error.message }];
  const field = new FieldError(issues);
  // The summary keeps the library's words ("The compose file cannot be read: …").
  field.message = error.message;
  return field;
}

function withComposeErrors<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ComposeError) throw composeFieldError(error);
    throw error;
  }
}

/** What carries over of a file, without changing anything. */
export function analyzeCompose(input: ComposeText): Analysis {
  return withComposeErrors(() =>
    analyze(parseCompose(input.compose, { variables: input.variables }), {
      profiles: input.profiles,
    }),
  );
}

/**
 * The definition of a file for a stack on `orchestrator`: refused (400) when the file has a
 * blocker there, or parts that do not carry over and `drop` was not given.
 */
export function prepareStack(
  input: ComposeText & { drop: boolean },
  orchestrator: 'swarm' | 'kubernetes',
): PreparedStack {
  return withComposeErrors(() => {
    const parsed = parseCompose(input.compose, { variables: input.variables });
    const analysis = analyze(parsed, { profiles: input.profiles });
    const normalized = normalize(parsed, analysis, {
      drop: input.drop,
      orchestrator,
      profiles: input.profiles,
    });
    if (Object.keys(normalized.definition.services).length === 0) {
      throw new ComposeError('The compose file deploys no service (with these profiles)', [
        { path: 'services', message: 'no service is enabled' },
      ]);
    }
    return {
      analysis,
      definition: normalized.definition,
      rendered: normalized.yaml,
      digest: createHash('sha256').update(normalized.yaml).digest('hex'),
      dropped: normalized.dropped,
    };
  });
}

/**
 * The text of a compose source: `compose` as given, or the uploaded `file` read as it arrives
 * (at most maxComposeBytes; UTF-8 only).
 */
export async function composeTextOf(input: {
  compose?: string | undefined;
  file?: AsyncIterable<Uint8Array> | undefined;
}): Promise<string> {
  if (input.compose !== undefined || !input.file) return input.compose ?? '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input.file) {
    size += chunk.byteLength;
    if (size > maxComposeBytes) {
      throw fieldError('file', `a compose file of at most ${maxComposeBytes} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  if (size === 0) throw fieldError('file', 'the compose file is empty');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw fieldError('file', 'the compose file is not UTF-8 text');
  }
}
