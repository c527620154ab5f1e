// Variable substitution as docker compose does it (compose-go's template package), applied to the
// values of a parsed file before it is validated, so `replicas: ${N}` is checked as what it becomes:
//   $VAR ${VAR}          the value, or "" when unset (reported as missing)
//   ${VAR:-default}      default when unset or empty      ${VAR-default}  default when unset
//   ${VAR:?message}      refuse when unset or empty       ${VAR?message}  refuse when unset
//   ${VAR:+replacement}  replacement when set and not empty  ${VAR+replacement} when set
//   $$                   a literal $
// Defaults and replacements may hold further substitutions (`${A:-${B}}`). Keys are not
// substituted, only values, as compose does.
import type { PathSegment } from './errors.ts';

const namePattern = /^[_a-zA-Z][_a-zA-Z0-9]*/;

/** Why a substitution failed: `${VAR:?message}` with VAR unset, or a malformed `${…}`. */
export class InterpolationError extends Error {
  override name = 'InterpolationError';
  constructor(
    message: string,
    readonly path: readonly PathSegment[] = [],
  ) {
    super(message);
  }
}

export interface InterpolationResult<T> {
  value: T;
  /** Variables used without a value and without a default, where (compose warns about these). */
  missing: { path: PathSegment[]; name: string }[];
}

/**
 * Substitutes one string. `lookup` answers a variable's value or undefined when it is unset;
 * `onMissing` hears of each variable that was unset and had no default.
 */
export function interpolateString(
  text: string,
  lookup: (name: string) => string | undefined,
  onMissing: (name: string) => void = () => {},
): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar === -1) {
      out += text.slice(index);
      break;
    }
    out += text.slice(index, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      index = dollar + 2;
      continue;
    }
    if (next === '{') {
      const close = matchingBrace(text, dollar + 2);
      if (close === -1) throw new InterpolationError(`invalid interpolation format: "${text}"`);
      out += substitute(text.slice(dollar + 2, close), text, lookup, onMissing);
      index = close + 1;
      continue;
    }
    const name = namePattern.exec(text.slice(dollar + 1))?.[0];
    if (name) {
      out += variableValue(name, lookup, onMissing);
      index = dollar + 1 + name.length;
      continue;
    }
    // A "$" followed by anything else stays as written ("$1", "cost: 5$").
    out += '$';
    index = dollar + 1;
  }
  return out;
}

/** The index of the "}" closing a "${" whose body starts at `from`, nested ones skipped. */
function matchingBrace(text: string, from: number): number {
  let depth = 1;
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (char === '$' && text[index + 1] === '$') {
      index++;
    } else if (char === '$' && text[index + 1] === '{') {
      depth++;
      index++;
    } else if (char === '}') {
      depth--;
      if (depth === 0) return index;
    }
  }
  return -1;
}

function variableValue(
  name: string,
  lookup: (name: string) => string | undefined,
  onMissing: (name: string) => void,
): string {
  const value = lookup(name);
  if (value === undefined) {
    onMissing(name);
    return '';
  }
  return value;
}

function substitute(
  body: string,
  text: string,
  lookup: (name: string) => string | undefined,
  onMissing: (name: string) => void,
): string {
  const name = namePattern.exec(body)?.[0];
  if (!name) throw new InterpolationError(`invalid interpolation format: "${text}"`);
  const rest = body.slice(name.length);
  if (rest === '') return variableValue(name, lookup, onMissing);
  const match = /^(:?)([-?+])/.exec(rest);
  if (!match) throw new InterpolationError(`invalid interpolation format: "${text}"`);
  const [operator, colon, kind] = match;
  const argument = rest.slice(operator.length);
  const value = lookup(name);
  // With ":" an empty value counts as unset.
  const set = colon ? value !== undefined && value !== '' : value !== undefined;
  const nested = () => interpolateString(argument, lookup, onMissing);
  switch (kind) {
    case '-':
      return set ? value! : nested();
    case '+':
      return set ? nested() : '';
    default: {
      if (set) return value!;
      const message = nested();
      throw new InterpolationError(
        message
          ? `required variable ${name} is missing a value: ${message}`
          : `required variable ${name} is missing a value`,
      );
    }
  }
}

/**
 * Substitutes every string value of a parsed compose file (keys stay as written). An
 * InterpolationError carries the path of the value that failed.
 */
export function interpolate<T>(
  value: T,
  variables: Readonly<Record<string, string>>,
): InterpolationResult<T> {
  const missing: { path: PathSegment[]; name: string }[] = [];
  const lookup = (name: string) => (Object.hasOwn(variables, name) ? variables[name] : undefined);
  const walk = (node: unknown, path: PathSegment[]): unknown => {
    if (typeof node === 'string') {
      try {
        return interpolateString(node, lookup, (name) => missing.push({ path, name }));
      } catch (error) {
        if (error instanceof InterpolationError) throw new InterpolationError(error.message, path);
        throw error;
      }
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]),
      );
    }
    return node;
  };
  return { value: walk(value, []) as T, missing };
}
