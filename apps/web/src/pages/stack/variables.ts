/** `NAME=value` lines (the form of an .env file) → variables; blank lines and # comments skipped. */
export function parseVariables(text: string): {
  variables: Record<string, string>;
  error?: string;
} {
  const variables: Record<string, string> = {};
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    const name = at < 0 ? line : line.slice(0, at).trim();
    if (at < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      return { variables, error: `line ${index + 1}: write NAME=value` };
    }
    variables[name] = line.slice(at + 1);
  }
  return { variables };
}
