// Environment variables as editable rows, for the new-app form and the app's env tab. A row is
// plain or secret; a stored secret's value is unknown to the page until someone reveals it
// (app.env, audited), and an empty box for it means "keep what is stored".
import { envName } from '@flotilla/router/schemas';

export interface EnvRow {
  key: number;
  name: string;
  value: string;
  secret: boolean;
  /** Set for a stored secret whose value the page has not been given. */
  hidden?: boolean;
}

let nextKey = 1;
export function envRow(fields: Partial<Omit<EnvRow, 'key'>> = {}): EnvRow {
  return { key: nextKey++, name: '', value: '', secret: false, ...fields };
}

/** Row key → message: names the shell would not accept, and names given twice. */
export function envRowErrors(rows: readonly EnvRow[]): Record<number, string> {
  const errors: Record<number, string> = {};
  const seen = new Set<string>();
  for (const row of rows) {
    const name = row.name.trim();
    if (name === '' && row.value === '' && !row.hidden) continue;
    const parsed = envName.safeParse(name);
    if (name === '') errors[row.key] = 'a name is required';
    else if (!parsed.success) errors[row.key] = parsed.error.issues[0]?.message ?? 'not a name';
    else if (seen.has(name)) errors[row.key] = `${name} is defined twice`;
    seen.add(name);
  }
  return errors;
}

/** The rows as the API's `env` and `secretEnv` records (blank rows left out). */
export function envRecords(rows: readonly EnvRow[]) {
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (name === '') continue;
    (row.secret ? secretEnv : env)[name] = row.value;
  }
  return { env, secretEnv };
}

/**
 * The change from what is stored to the rows, as `app.update` takes it: a name mapped to `null`
 * is removed, a hidden secret left blank is kept as it is.
 */
export function envPatch(
  stored: { env: Record<string, string>; secretNames: readonly string[] },
  rows: readonly EnvRow[],
) {
  const env: Record<string, string | null> = {};
  const secretEnv: Record<string, string | null> = {};
  const plainNow = new Set<string>();
  const secretNow = new Set<string>();
  for (const row of rows) {
    const name = row.name.trim();
    if (name === '') continue;
    if (row.secret) {
      secretNow.add(name);
      const keep = row.hidden && row.value === '' && stored.secretNames.includes(name);
      if (!keep) secretEnv[name] = row.value;
    } else {
      plainNow.add(name);
      if (stored.env[name] !== row.value) env[name] = row.value;
    }
  }
  for (const name of Object.keys(stored.env)) if (!plainNow.has(name)) env[name] = null;
  for (const name of stored.secretNames) if (!secretNow.has(name)) secretEnv[name] = null;
  return { env, secretEnv };
}

export function EnvEditor({
  rows,
  onChange,
  errors,
  legend,
  hint,
}: {
  rows: EnvRow[];
  onChange: (rows: EnvRow[]) => void;
  errors: Record<number, string>;
  legend: string;
  hint?: string;
}) {
  const update = (key: number, change: Partial<EnvRow>) =>
    onChange(rows.map((row) => (row.key === key ? { ...row, ...change } : row)));
  return (
    <fieldset className="env-editor">
      <legend>{legend}</legend>
      {hint && <p className="field-hint">{hint}</p>}
      {rows.length === 0 && <p className="muted">No variables.</p>}
      {rows.map((row, index) => {
        const n = index + 1;
        const error = errors[row.key];
        const errorId = `env-row-${row.key}-error`;
        return (
          <div
            key={row.key}
            className={error ? 'env-row field-invalid' : 'env-row'}
            data-env={row.name}
          >
            <input
              aria-label={`Variable ${n} name`}
              aria-invalid={Boolean(error)}
              aria-describedby={error ? errorId : undefined}
              value={row.name}
              placeholder="NAME"
              autoComplete="off"
              spellCheck={false}
              readOnly={row.hidden}
              onChange={(event) => update(row.key, { name: event.target.value })}
            />
            <input
              aria-label={`Variable ${n} value`}
              type={row.secret && row.hidden ? 'password' : 'text'}
              value={row.value}
              placeholder={row.hidden ? '•••••••• (hidden: type to replace)' : 'value'}
              autoComplete="off"
              spellCheck={false}
              onChange={(event) => update(row.key, { value: event.target.value })}
            />
            <label className="choice-row">
              <input
                type="checkbox"
                checked={row.secret}
                // A stored secret's value is not known here: it cannot become plain unseen.
                disabled={row.hidden}
                onChange={(event) => update(row.key, { secret: event.target.checked })}
              />
              Secret<span className="visually-hidden"> (variable {n})</span>
            </label>
            <button
              type="button"
              className="button button-small"
              onClick={() => onChange(rows.filter((other) => other.key !== row.key))}
            >
              Remove<span className="visually-hidden"> variable {n}</span>
            </button>
            {error && (
              <p className="field-error" id={errorId}>
                {error.charAt(0).toUpperCase() + error.slice(1)}
              </p>
            )}
          </div>
        );
      })}
      <div className="actions">
        <button
          type="button"
          className="button button-small"
          onClick={() => onChange([...rows, envRow()])}
        >
          Add variable
        </button>
      </div>
    </fieldset>
  );
}
