// Which API, which token and which organization a command acts on: flags first, then
// FLOTILLA_URL / FLOTILLA_TOKEN / FLOTILLA_ORG, then what `flotilla login` stored.
import { createFlotillaClient, type FlotillaClient } from '@flotilla/client';
import { configPath, readableByOthers, readConfig, type StoredConfig } from './config.ts';
import { CliError, exitCodes, notFound, usageError } from './errors.ts';
import type { Io, OutputFormat } from './io.ts';

export interface GlobalOptions {
  output: OutputFormat;
  org?: string;
}

/** An http(s) URL without trailing slashes, or a usage error naming where it came from. */
export function normalizeUrl(raw: string, from: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw usageError(`${from}: "${raw}" is not a URL (e.g. http://127.0.0.1:3000)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw usageError(`${from}: "${raw}" must start with http:// or https://`);
  }
  return raw.replace(/\/+$/, '');
}

export class Session {
  readonly configPath: string;
  private stored?: StoredConfig;
  private client?: FlotillaClient;
  private organization?: string;
  /** The API's address once known, for error messages ("cannot reach …"). */
  url = 'the Flotilla API';

  constructor(
    readonly io: Io,
    readonly globals: GlobalOptions,
  ) {
    this.configPath = configPath(io.env);
  }

  async config(): Promise<StoredConfig> {
    if (!this.stored) {
      this.stored = await readConfig(this.configPath);
      if (this.stored.token && (await readableByOthers(this.configPath))) {
        this.io.stderr.write(
          `warning: ${this.configPath} holds a token and others may read it: chmod 600 it\n`,
        );
      }
    }
    return this.stored;
  }

  /** The API address and token in force, or an auth error saying how to log in. */
  async target(): Promise<{ url: string; token: string }> {
    const { env } = this.io;
    const stored = await this.config();
    const rawUrl = env.FLOTILLA_URL || stored.url;
    const token = env.FLOTILLA_TOKEN || stored.token;
    if (!rawUrl || !token) {
      throw new CliError(
        'not logged in: run `flotilla login --url <api url>`, or set FLOTILLA_URL and FLOTILLA_TOKEN',
        exitCodes.auth,
      );
    }
    const url = normalizeUrl(rawUrl, env.FLOTILLA_URL ? 'FLOTILLA_URL' : this.configPath);
    this.url = url;
    return { url, token };
  }

  async api(): Promise<FlotillaClient> {
    if (!this.client) {
      const { url, token } = await this.target();
      this.client = createFlotillaClient({ url, token });
    }
    return this.client;
  }

  /**
   * `--org`, FLOTILLA_ORG or the one stored at login: an id is taken as it is (no round trip), a
   * slug or name is looked up; with none given, the caller's only organization.
   */
  async organizationId(): Promise<string> {
    if (this.organization) return this.organization;
    const stored = await this.config();
    const ref = this.globals.org ?? this.io.env.FLOTILLA_ORG ?? stored.organizationId;
    if (ref && /^org_[a-z0-9]+$/.test(ref)) {
      this.organization = ref;
      return ref;
    }
    const me = await (await this.api()).auth.me.query();
    this.organization = pickOrganization(me.organizations, ref).id;
    return this.organization;
  }
}

interface Membership {
  id: string;
  name: string;
  slug: string;
}

/** The organization `ref` (id, slug or name) names among the caller's, or their only one. */
export function pickOrganization<T extends Membership>(organizations: T[], ref?: string): T {
  const list = organizations.map((o) => o.slug).join(', ');
  if (ref) {
    const found = organizations.find((o) => o.id === ref || o.slug === ref || o.name === ref);
    if (!found) {
      throw notFound(
        `you are not a member of an organization "${ref}"${list ? ` (yours: ${list})` : ''}`,
      );
    }
    return found;
  }
  const [only, ...others] = organizations;
  if (!only) throw new CliError('you belong to no organization', exitCodes.failure);
  if (others.length > 0) {
    throw usageError(
      `you belong to ${organizations.length} organizations: choose one with --org (${list})`,
    );
  }
  return only;
}
