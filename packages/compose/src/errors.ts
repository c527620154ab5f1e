import { FlotillaError } from '@flotilla/errors';
import type { ComposeIssue } from './schemas.ts';

/**
 * A compose file (or a template) that cannot be used as given: not YAML, not a mapping, too large,
 * an unknown key, a value the compose specification refuses, a blocker. Code `invalid` (a 400);
 * `issues` names each place, so the router can answer with field paths.
 */
export class ComposeError extends FlotillaError {
  override name = 'ComposeError';

  constructor(
    message: string,
    readonly issues: ComposeIssue[] = [],
  ) {
    super('invalid', issues.length ? `${message}: ${describeIssues(issues)}` : message);
  }
}

function describeIssues(issues: ComposeIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => {
    const where = issue.line ? `${issue.path} (line ${issue.line})` : issue.path;
    return `${where}: ${issue.message}`;
  });
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : '';
  return shown.join('; ') + more;
}

export type PathSegment = string | number;

/** "services.web.ports.0" — the form the API's field issues use. */
export function pathString(path: readonly PathSegment[]): string {
  return path.length ? path.map(String).join('.') : '(file)';
}
