// Tarballs for tests, written header by header (ustar), so hostile entries can be made as they are.

export interface RawEntry {
  path: string;
  /** ustar type flag: '0' file, '5' directory, '2' symlink, '1' hard link, '3' char device. */
  type?: string;
  content?: string;
  linkpath?: string;
}

/** A ustar archive of exactly these entries. */
export function rawTar(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.content ?? '');
    const header = Buffer.alloc(512);
    const put = (value: string, offset: number, length: number) =>
      header.write(value, offset, length, 'utf8');
    const octal = (value: number, length: number) =>
      value
        .toString(8)
        .padStart(length - 1, '0')
        .slice(-(length - 1));
    put(entry.path, 0, 100);
    put(octal(0o644, 8), 100, 8);
    put(octal(0, 8), 108, 8);
    put(octal(0, 8), 116, 8);
    put(octal(body.length, 12), 124, 12);
    put(octal(0, 12), 136, 12);
    put('        ', 148, 8);
    put(entry.type ?? '0', 156, 1);
    put(entry.linkpath ?? '', 157, 100);
    put('ustar\u000000', 257, 8);
    let sum = 0;
    for (const byte of header) sum += byte;
    put(`${octal(sum, 7)}\u0000 `, 148, 8);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A tarball of path → content (files only), each path after `prefix`. */
export function tarOf(files: Record<string, string>, { prefix = '' } = {}): Buffer {
  return rawTar(Object.entries(files).map(([path, content]) => ({ path: prefix + path, content })));
}
