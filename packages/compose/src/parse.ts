// From bytes to a compose file that conforms to the specification, or a ComposeError naming each
// place that does not. YAML 1.2 (as docker compose reads it: `yes` is a string), merge keys (`<<`)
// and anchors as compose files use them, at most 100 alias expansions (a "billion laughs" file is
// refused, not expanded).
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from 'yaml';
import { ComposeError, type PathSegment, pathString } from './errors.ts';
import { InterpolationError, interpolate } from './interpolate.ts';
import { type ComposeIssue, maxComposeBytes } from './schemas.ts';
import { composeTopLevelKeys, validateComposeSpec } from './spec.ts';

/** A parsed compose file: plain data as the specification describes it, after interpolation. */
export type ComposeFile = Record<string, unknown>;

export interface ParsedCompose {
  compose: ComposeFile;
  /** Variables used without a value or default; compose substitutes "" and warns. */
  warnings: ComposeIssue[];
  /** The 1-based line of a path in the source, or of its nearest ancestor written there. */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

export interface ParseOptions {
  /** Values for `${VAR}`; anything else is unset (nothing is read from this process's env). */
  variables?: Readonly<Record<string, string>>;
  /** Default 512 KiB. */
  maxBytes?: number;
}

export function parseCompose(
  source: string | Uint8Array,
  options: ParseOptions = {},
): ParsedCompose {
  const maxBytes = options.maxBytes ?? maxComposeBytes;
  const text = decode(source, maxBytes);

  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    version: '1.2',
    merge: true,
    uniqueKeys: true,
    prettyErrors: true,
    lineCounter,
  });
  if (document.errors.length) {
    throw new ComposeError(
      'The compose file is not valid YAML',
      document.errors.map((error) => ({
        path: '(file)',
        message: error.message.split('\n')[0] ?? error.message,
        ...(error.linePos ? { line: error.linePos[0].line } : {}),
      })),
    );
  }
  const lineOf = (path: readonly PathSegment[]) => {
    const node = nodeAt(document.contents, path, document);
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  const issue = (path: readonly PathSegment[], message: string): ComposeIssue => {
    const line = lineOf(path);
    return { path: pathString(path), message, ...(line ? { line } : {}) };
  };

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ComposeError('The compose file cannot be read', [
      issue([], error instanceof Error ? error.message : String(error)),
    ]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what =
      value === null || value === undefined
        ? 'empty'
        : Array.isArray(value)
          ? 'a list'
          : `a ${typeof value}`;
    throw new ComposeError(
      `A compose file is a mapping of top-level keys (services, networks, volumes, …); this one is ${what}`,
    );
  }

  const known = new Set(composeTopLevelKeys());
  const unknown = Object.keys(value).filter((key) => !known.has(key) && !key.startsWith('x-'));
  if (unknown.length) {
    throw new ComposeError(
      'The compose file has keys the compose specification does not define',
      unknown.map((key) =>
        issue([key], `unknown top-level key "${key}" (allowed: ${[...known].join(', ')}, or x-…)`),
      ),
    );
  }

  let interpolated: { value: ComposeFile; missing: { path: PathSegment[]; name: string }[] };
  try {
    interpolated = interpolate(value as ComposeFile, options.variables ?? {});
  } catch (error) {
    if (error instanceof InterpolationError) {
      throw new ComposeError('A variable of the compose file cannot be substituted', [
        issue(error.path, error.message),
      ]);
    }
    throw error;
  }

  const specIssues = validateComposeSpec(interpolated.value);
  if (specIssues.length) {
    throw new ComposeError(
      'The compose file does not conform to the compose specification',
      specIssues.map((specIssue) => issue(specIssue.path, specIssue.message)),
    );
  }

  const warnings = interpolated.missing.map(({ path, name }) => {
    const line = lineOf(path);
    return {
      path: pathString(path),
      message: `variable ${name} is not set; an empty string is used`,
      ...(line ? { line } : {}),
    };
  });
  return { compose: interpolated.value, warnings, lineOf };
}

function decode(source: string | Uint8Array, maxBytes: number): string {
  const size = typeof source === 'string' ? Buffer.byteLength(source, 'utf8') : source.byteLength;
  if (size > maxBytes) {
    throw new ComposeError(`The compose file is ${size} bytes; at most ${maxBytes} are accepted`);
  }
  let text: string;
  if (typeof source === 'string') {
    text = source;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(source);
    } catch {
      throw new ComposeError('The compose file is not UTF-8 text');
    }
  }
  if (text.includes('\u0000'))
    throw new ComposeError('The compose file is not text (it holds NUL bytes)');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** The node a path leads to (a key's own node for the last segment), or the deepest one found. */
function nodeAt(root: unknown, path: readonly PathSegment[], document: Document): Node | undefined {
  let node = resolveAlias(root, document);
  let found: Node | undefined = node && isNodeLike(node) ? node : undefined;
  for (const [index, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return found;
      if (index === path.length - 1 && isNodeLike(pair.key)) return pair.key as Node;
      node = resolveAlias(pair.value, document);
    } else if (isSeq(node) && typeof segment === 'number') {
      node = resolveAlias(node.items[segment], document);
    } else {
      return found;
    }
    if (!isNodeLike(node)) return found;
    found = node as Node;
  }
  return found;
}

function resolveAlias(node: unknown, document: Document): unknown {
  return isAlias(node) ? node.resolve(document) : node;
}

function isNodeLike(node: unknown): node is Node {
  return node !== null && typeof node === 'object' && 'range' in (node as object);
}
