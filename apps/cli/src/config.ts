// Where `flotilla login` keeps the API's address and the token: the XDG config directory, one JSON
// file readable by its owner only (the token is as good as a password). FLOTILLA_URL and
// FLOTILLA_TOKEN override it, so CI jobs need no file at all.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { CliError, exitCodes } from './errors.ts';

export interface StoredConfig {
  url?: string;
  token?: string;
  /** The organization commands act on unless `--org` says otherwise. */
  organizationId?: string;
}

export type Env = Record<string, string | undefined>;

/** `$XDG_CONFIG_HOME/flotilla/config.json`, or `~/.config/flotilla/config.json`. */
export function configPath(env: Env): string {
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.config');
  return join(base, 'flotilla', 'config.json');
}

export async function readConfig(path: string): Promise<StoredConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, exitCodes.failure);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    const { url, token, organizationId } = parsed as Record<string, unknown>;
    return {
      ...(typeof url === 'string' ? { url } : {}),
      ...(typeof token === 'string' ? { token } : {}),
      ...(typeof organizationId === 'string' ? { organizationId } : {}),
    };
  } catch (error) {
    throw new CliError(
      `${path} is not valid JSON (${(error as Error).message}); run \`flotilla login\` again`,
      exitCodes.failure,
    );
  }
}

/** True when others than the owner may read the file (someone widened it by hand). */
export async function readableByOthers(path: string): Promise<boolean> {
  try {
    return ((await stat(path)).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/**
 * Written to a temporary file created with mode 0600 and renamed over the old one: the token is
 * never readable by others, not even for a moment, and a crash leaves the old file whole.
 */
export async function writeConfig(path: string, config: StoredConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`, exitCodes.failure);
  }
}
