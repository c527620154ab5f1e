// A registry whose certificate no public CA signed is trusted through its CA, written where the
// servers' pullers read it:
// - Docker: /etc/docker/certs.d/<host:port>/ca.crt, read by dockerd at every pull and push (no
//   restart), added to the system's CAs.
// - k3s (containerd): /etc/rancher/k3s/registries.yaml `configs."<host:port>".tls.ca_file`
//   pointing at that same file, which k3s reads when it starts and turns into containerd's
//   hosts directory; and that directory's `<host:port>/hosts.toml` written now, as k3s would,
//   because containerd reads it at every pull (k3s ≥ 1.26.13 / 1.27.10 / 1.28.6 / 1.29.1 point
//   containerd at it) — so no k3s restart is needed.
// Each file is compared first and written only when it differs (a temporary file moved into
// place), so running this before every deploy costs one command per server when nothing changed.
import { sh } from '@flotilla/ssh';
import { isMap, parseDocument, Scalar } from 'yaml';
import { BootstrapError, type Remote, runStep, type StepResult } from './remote.ts';

export interface RegistryCa {
  /** host[:port] as image names spell the registry. */
  server: string;
  /** PEM of one or more certificates. */
  caCert: string;
}

export interface RegistryCaResult extends StepResult {
  /** The files written (empty: the server held every CA already). */
  written: string[];
  /** What could not be done without a restart of k3s, in words for the log. */
  notes: string[];
}

export const k3sRegistriesFile = '/etc/rancher/k3s/registries.yaml';
export const k3sHostsDir = '/var/lib/rancher/k3s/agent/etc/containerd/certs.d';
const hostsMarker = '# Written by Flotilla: the registry CA.';

// A host name (labels of letters, digits and inner hyphens), an IPv4 address or a bracketed
// IPv6 one, with an optional port: nothing that could climb out of certs.d (`..`, `/`).
const serverPattern =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;
const pemPattern =
  /^(?:-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/;

function checked(ca: RegistryCa): RegistryCa {
  if (!serverPattern.test(ca.server)) {
    throw new BootstrapError(
      `server: not a registry host[:port]: ${JSON.stringify(ca.server)}`,
      'invalid',
    );
  }
  if (!pemPattern.test(ca.caCert.trim())) {
    throw new BootstrapError(`caCert of ${ca.server}: not PEM certificates`, 'invalid');
  }
  return { server: ca.server, caCert: `${ca.caCert.trim()}\n` };
}

/** Where the registry's CA lives on a server (Docker's own place; k3s is pointed at it). */
export function registryCaPath(server: string): string {
  return `/etc/docker/certs.d/${server}/ca.crt`;
}

function hostsToml(server: string): string {
  return [
    hostsMarker,
    `server = "https://${server}"`,
    '',
    `[host."https://${server}"]`,
    '  capabilities = ["pull", "resolve"]',
    `  ca = ["${registryCaPath(server)}"]`,
    '',
  ].join('\n');
}

/**
 * `content` at `path`, unless the file holds exactly that already: prints `written <path>` when
 * it wrote. Compared by content (cmp), replaced atomically (a reader never sees half a file).
 */
function ensureFile(path: string, content: string, mode: string): string {
  const dir = path.slice(0, path.lastIndexOf('/'));
  return sh`if ! printf '%s' ${content} | cmp -s - ${path} 2>/dev/null; then mkdir -p ${dir} && printf '%s' ${content} > ${path}.flotilla.$$ && chmod ${mode} ${path}.flotilla.$$ && mv -f ${path}.flotilla.$$ ${path} && echo written ${path}; fi`;
}

/**
 * containerd's hosts.toml for the registry: written when absent or Flotilla's; one k3s made
 * itself (from registries.yaml) is left alone, and unless it names the CA already, k3s picks the
 * CA up at its next start.
 */
function ensureHostsToml(server: string): string {
  const path = `${k3sHostsDir}/${server}/hosts.toml`;
  return sh`if [ ! -e ${path} ] || grep -qxF ${hostsMarker} ${path}; then ${sh.raw(ensureFile(path, hostsToml(server), '644'))}; elif ! grep -qF ${registryCaPath(server)} ${path}; then echo kept ${path}; fi`;
}

/**
 * registries.yaml with `configs."<server>".tls.ca_file` set for each registry, everything else
 * in it kept (mirrors, auth, comments); null when it says so already.
 */
export function withRegistryCas(current: string, servers: readonly string[]): string | null {
  const doc = parseDocument(current);
  if (doc.errors.length > 0) {
    throw new BootstrapError(
      `${k3sRegistriesFile} does not parse as YAML: ${doc.errors[0]?.message ?? ''}`,
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new BootstrapError(`${k3sRegistriesFile} is not a YAML mapping`);
  }
  let changed = false;
  for (const server of servers) {
    const path = ['configs', server, 'tls', 'ca_file'];
    if (doc.getIn(path) === registryCaPath(server)) continue;
    // A new entry's key is quoted: "host:port" reads as a string to every YAML parser.
    const key = doc.hasIn(['configs', server])
      ? server
      : Object.assign(new Scalar(server), {
          type: Scalar.QUOTE_DOUBLE,
        });
    doc.setIn(['configs', key, 'tls', 'ca_file'], registryCaPath(server));
    changed = true;
  }
  return changed ? doc.toString() : null;
}

const registriesMarker = '----- flotilla registries.yaml -----';

/**
 * Makes the server trust each registry's CA: Docker's certs.d always; with `containerd`, k3s's
 * registries.yaml and containerd's hosts directory as well. One command when nothing is to
 * change (and for Docker alone); with k3s, one more to write registries.yaml when it lacks an
 * entry — only if nobody changed the file in between (compared by content; tried again if so).
 */
export async function ensureRegistryCas(
  remote: Remote,
  cas: readonly RegistryCa[],
  options: { containerd?: boolean; timeoutMs?: number } = {},
): Promise<RegistryCaResult> {
  const wanted = cas.map(checked);
  if (wanted.length === 0) return { changed: false, written: [], notes: [] };
  const timeoutMs = options.timeoutMs ?? 30_000;
  const steps = wanted.map((ca) => ensureFile(registryCaPath(ca.server), ca.caCert, '644'));
  if (options.containerd) {
    steps.push(...wanted.map((ca) => ensureHostsToml(ca.server)));
    steps.push(sh`echo ${registriesMarker}; cat ${k3sRegistriesFile} 2>/dev/null || true`);
  }
  const out = await runStep(remote, 'registry.ca', `set -e; ${steps.join('; ')}`, { timeoutMs });
  const [report = '', registries] = out.split(`${registriesMarker}\n`);
  const written: string[] = [];
  const notes: string[] = [];
  for (const line of report.split('\n')) {
    if (line.startsWith('written ')) written.push(line.slice('written '.length));
    if (line.startsWith('kept ')) {
      notes.push(`${line.slice('kept '.length)} is k3s's own: k3s reads the CA at its next start`);
    }
  }
  if (options.containerd && registries !== undefined) {
    const servers = wanted.map((ca) => ca.server);
    let current = registries;
    for (let attempt = 1; ; attempt++) {
      const next = withRegistryCas(current, servers);
      if (next === null) break;
      // Written only over the content it was made from: a concurrent edit is read again.
      const result = await remote.run(
        sh`if [ "$(cat ${k3sRegistriesFile} 2>/dev/null || true)" = ${current.replace(/\n+$/, '')} ]; then mkdir -p /etc/rancher/k3s && umask 077 && printf '%s' ${next} > ${k3sRegistriesFile}.flotilla.$$ && mv -f ${k3sRegistriesFile}.flotilla.$$ ${k3sRegistriesFile} && echo written; else echo ${registriesMarker}; cat ${k3sRegistriesFile} 2>/dev/null || true; fi`,
        { label: 'registry.ca.k3s', timeoutMs },
      );
      if (result.code !== 0) {
        throw new BootstrapError(`writing ${k3sRegistriesFile}: ${result.stderr.trim()}`);
      }
      if (result.stdout.startsWith('written')) {
        written.push(k3sRegistriesFile);
        break;
      }
      if (attempt >= 3) {
        throw new BootstrapError(`${k3sRegistriesFile} kept changing while Flotilla wrote it`);
      }
      current = result.stdout.split(`${registriesMarker}\n`)[1] ?? '';
    }
  }
  return { changed: written.length > 0, written, notes };
}
