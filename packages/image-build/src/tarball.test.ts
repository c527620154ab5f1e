import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type RawEntry, rawTar } from '../test/tar.ts';
import { inspectTarball, TarballError } from './tarball.ts';

const dockerfile = { path: 'Dockerfile', content: 'FROM scratch\n' };

describe('inspectTarball', () => {
  it('accepts a plain or gzipped tree and finds its Dockerfile', async () => {
    const tar = rawTar([
      dockerfile,
      { path: 'site/', type: '5' },
      { path: 'site/index.html', content: 'v1\n' },
      { path: 'site/current', type: '2', linkpath: 'index.html' },
    ]);
    for (const data of [tar, gzipSync(tar)]) {
      expect(await inspectTarball(data)).toEqual({
        files: 3,
        unpackedBytes: 16,
        root: '',
        hasDockerfile: true,
      });
    }
  });

  it('starts the tree inside a single top folder, as archives of a folder have it', async () => {
    const tar = rawTar([
      { path: 'my-app/', type: '5' },
      { path: 'my-app/Dockerfile', content: 'FROM scratch\n' },
      { path: 'my-app/index.html', content: 'v1\n' },
    ]);
    expect(await inspectTarball(tar)).toMatchObject({ root: 'my-app/', hasDockerfile: true });
    const noDockerfile = rawTar([{ path: 'index.html', content: 'v1\n' }]);
    expect(await inspectTarball(noDockerfile)).toMatchObject({ root: '', hasDockerfile: false });
  });

  it.each([
    ['an absolute path', [{ path: '/etc/cron.d/x', content: 'boom' }], /absolute path/],
    ['a ".." component', [{ path: 'a/../../etc/passwd', content: 'boom' }], /"\.\." in its path/],
    [
      'a link out of the tree',
      [{ path: 'up', type: '2', linkpath: '../../etc' }],
      /out of the tree/,
    ],
    ['a link to an absolute path', [{ path: 'etc', type: '2', linkpath: '/etc' }], /absolute path/],
    [
      'a file written through a link',
      [
        { path: 'inside', type: '2', linkpath: 'sub' },
        { path: 'inside/x', content: 'boom' },
      ],
      /through a link/,
    ],
    ['a hard link', [dockerfile, { path: 'h', type: '1', linkpath: 'Dockerfile' }], /a Link/],
    ['a device', [{ path: 'tty', type: '3' }], /CharacterDevice/],
  ])('refuses %s', async (_what, entries, message) => {
    const error = await inspectTarball(rawTar(entries as RawEntry[])).catch((e) => e);
    expect(error).toBeInstanceOf(TarballError);
    expect(error.code).toBe('invalid');
    expect(error.message).toMatch(message);
  });

  it('refuses what is not a tarball, an empty one, and ones past the limits', async () => {
    await expect(inspectTarball(Buffer.from('hello, not a tar'))).rejects.toThrow(
      /not a tar or tar.gz archive/,
    );
    await expect(inspectTarball(Buffer.alloc(0))).rejects.toThrow(/empty/);
    await expect(inspectTarball(rawTar([{ path: 'd/', type: '5' }]))).rejects.toThrow(/no files/);
    const limits = { maxBytes: 10 * 1024, maxUnpackedBytes: 1_000, maxEntries: 3 };
    const big = rawTar([{ path: 'big', content: 'x'.repeat(2_000) }]);
    await expect(inspectTarball(big, limits)).rejects.toThrow(/unpacks to more than 1000 bytes/);
    await expect(inspectTarball(gzipSync(big), { ...limits, maxBytes: 10 })).rejects.toThrow(
      /at most 10/,
    );
    const many = rawTar(['a', 'b', 'c', 'd'].map((path) => ({ path, content: '' })));
    await expect(inspectTarball(many, limits)).rejects.toThrow(/more than 3 entries/);
  });
});
