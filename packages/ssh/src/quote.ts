// Shell commands for servers are built here and nowhere else: every interpolated value is
// single-quoted, so no value can end the quote, start a new command or expand anything.

const rawMark = Symbol('sh.raw');
const secretMark = Symbol('sh.secret');

interface RawFragment {
  [rawMark]: string;
}

interface SecretValue {
  [secretMark]: string;
}

type Value = string | number | RawFragment | SecretValue | readonly (string | number)[];

/** Every value ever marked secret in this process, masked in errors and logs. */
const knownSecrets = new Set<string>();

/** Single-quotes a value for POSIX sh: `it's` → `'it'\''s'`. */
export function quote(value: string | number): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

function render(value: Value): string {
  if (Array.isArray(value)) return value.map(quote).join(' ');
  if (typeof value === 'object' && value !== null) {
    if (rawMark in value) return (value as RawFragment)[rawMark];
    if (secretMark in value) return quote((value as SecretValue)[secretMark]);
  }
  return quote(value as string | number);
}

/**
 * Tagged template for shell commands: sh`docker node update --label-add ${label} ${id}`.
 * Arrays become several quoted words; `sh.raw(…)` inserts a trusted fragment as is;
 * `secret(…)` quotes a value and masks it in every error this package produces.
 */
export function sh(strings: TemplateStringsArray, ...values: Value[]): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return out;
}

/** A fragment written by the program, never by a user: inserted without quoting. */
sh.raw = (fragment: string): RawFragment => ({ [rawMark]: fragment });

/** A value that must never appear in logs or error messages (join tokens, passwords). */
export function secret(value: string): SecretValue {
  if (value.length >= 4) knownSecrets.add(value);
  return { [secretMark]: value };
}

/** Replaces every known secret (and the given extra ones) with "***". */
export function maskSecrets(text: string, extra: readonly string[] = []): string {
  let masked = text;
  for (const value of [...knownSecrets, ...extra]) {
    if (value) masked = masked.split(value).join('***');
  }
  return masked;
}
