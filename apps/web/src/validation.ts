// Form validation with the API's own zod schemas (`@flotilla/router/schemas`): the browser
// shows the same rule and the same message the server would answer with.
import { fieldErrors } from './errors.ts';

interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } };
}

export type Validated<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string> };

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function validate<T>(schema: Schema<T>, value: unknown): Validated<T> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  // zod words a missing field as a type error ("expected string, received undefined"); a
  // person left a box empty.
  const issues = result.error.issues.map((issue) => {
    const given = valueAt(value, issue.path);
    return given === undefined || given === '' ? { ...issue, message: 'is required' } : issue;
  });
  return { ok: false, errors: fieldErrors(issues) };
}

/** The text fields of a submitted form, blank ones left out (so optional fields stay optional). */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of new FormData(form)) {
    if (typeof value === 'string' && value.trim() !== '') values[key] = value;
  }
  return values;
}
