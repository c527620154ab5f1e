// An uploaded source tarball, checked entry by entry before any server extracts it: only regular
// files, directories and links that stay inside the tree; no absolute path, no `..`, nothing
// written through a link; bounded in size, uncompressed size and entry count (a small gzip can
// unpack to gigabytes). The server's GNU tar extracts it afterwards with its own protections on
// top (it strips leading slashes, skips `..` members and defers dangerous links).
import { posix } from 'node:path';
import { FlotillaError } from '@flotilla/errors';
import { Parser, type ReadEntry } from 'tar';

export interface TarballLimits {
  /** The upload itself (compressed). */
  maxBytes: number;
  /** Everything it unpacks to. */
  maxUnpackedBytes: number;
  maxEntries: number;
}

export const defaultTarballLimits: TarballLimits = {
  maxBytes: 100 * 1024 * 1024,
  maxUnpackedBytes: 1024 * 1024 * 1024,
  maxEntries: 100_000,
};

export interface TarballSummary {
  files: number;
  unpackedBytes: number;
  /**
   * The one directory every entry sits in (`my-app/`), as in archives made of a folder or
   * downloaded from a git host; extraction strips it. Empty when entries sit at the top.
   */
  root: string;
  /** A Dockerfile at the top of the (stripped) tree. */
  hasDockerfile: boolean;
}

/** An upload that is not a tarball, or not one that may be extracted. */
export class TarballError extends FlotillaError {
  override name = 'TarballError';
  constructor(message: string) {
    super('invalid', message);
  }
}

const allowedTypes = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink']);

/** Why the entry may not be extracted; undefined when it may. */
function entryProblem(entry: ReadEntry, links: Set<string>): string | undefined {
  const raw = entry.path;
  if (raw.startsWith('/') || /^[A-Za-z]:[\\/]/.test(raw)) return 'an absolute path';
  if (raw.includes('\\')) return 'a backslash in its path';
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return 'a ".." in its path';
  if (!allowedTypes.has(entry.type)) return `a ${entry.type} (only files, directories, links)`;
  // A file below a link the archive made would be written wherever the link points.
  for (let i = 1; i < parts.length; i++) {
    if (links.has(parts.slice(0, i).join('/'))) return 'a path through a link';
  }
  if (entry.type === 'SymbolicLink') {
    const target = entry.linkpath ?? '';
    if (target.startsWith('/')) return `a link to an absolute path (${target})`;
    const resolved = posix.normalize(posix.join(posix.dirname(parts.join('/')), target));
    if (resolved === '..' || resolved.startsWith('../')) {
      return `a link out of the tree (${target})`;
    }
    links.add(parts.join('/'));
  }
  return undefined;
}

/** Checks an uploaded tarball (plain or gzip); throws TarballError naming the first problem. */
export function inspectTarball(
  data: Buffer,
  limits: TarballLimits = defaultTarballLimits,
): Promise<TarballSummary> {
  if (data.length === 0) return Promise.reject(new TarballError('the upload is empty'));
  if (data.length > limits.maxBytes) {
    return Promise.reject(
      new TarballError(`the upload is ${data.length} bytes; at most ${limits.maxBytes}`),
    );
  }
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (message: string) => {
      if (failed) return;
      failed = true;
      parser.abort(new TarballError(message));
      reject(new TarballError(message));
    };
    const paths: string[] = [];
    const links = new Set<string>();
    let unpackedBytes = 0;
    let files = 0;
    const parser = new Parser({
      strict: true,
      onReadEntry(entry) {
        entry.resume();
        if (failed) return;
        const problem = entryProblem(entry, links);
        if (problem) return fail(`${entry.path}: ${problem}`);
        if (paths.length >= limits.maxEntries) {
          return fail(`more than ${limits.maxEntries} entries`);
        }
        unpackedBytes += entry.size ?? 0;
        if (unpackedBytes > limits.maxUnpackedBytes) {
          return fail(`it unpacks to more than ${limits.maxUnpackedBytes} bytes`);
        }
        if (entry.type !== 'Directory') files++;
        paths.push(entry.path.replace(/^(\.\/)+/, '').replace(/\/$/, ''));
      },
    });
    parser.on('error', (error: Error) =>
      fail(
        /Unrecognized archive format|TAR_BAD_ARCHIVE/.test(error.message)
          ? 'not a tar or tar.gz archive'
          : `not a readable tarball: ${error.message}`,
      ),
    );
    parser.on('end', () => {
      if (failed) return;
      const named = paths.filter((p) => p !== '');
      if (files === 0) return fail('the archive holds no files');
      const tops = new Set(named.map((p) => p.split('/')[0]));
      const [top] = tops;
      // One folder holding everything (and no Dockerfile beside it): the tree starts inside it.
      const root =
        tops.size === 1 && top && named.some((p) => p.startsWith(`${top}/`)) ? `${top}/` : '';
      resolve({
        files,
        unpackedBytes,
        root,
        hasDockerfile: named.includes(`${root}Dockerfile`),
      });
    });
    parser.end(data);
  });
}
