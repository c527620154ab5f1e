import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configPath, readableByOthers, readConfig, writeConfig } from './config.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-config-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('config file', () => {
  it('lives under XDG_CONFIG_HOME, or ~/.config when it is unset or relative', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x', HOME: '/home/a' })).toBe('/x/flotilla/config.json');
    expect(configPath({ HOME: '/home/a' })).toBe('/home/a/.config/flotilla/config.json');
    expect(configPath({ XDG_CONFIG_HOME: 'rel', HOME: '/home/a' })).toBe(
      '/home/a/.config/flotilla/config.json',
    );
  });

  it('is written 0600 in a 0700 directory, even over a file others could read', async () => {
    const path = join(dir, 'flotilla', 'config.json');
    await writeConfig(path, { url: 'http://127.0.0.1:3000', token: 'fls_a' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'flotilla'))).mode & 0o777).toBe(0o700);
    await chmod(path, 0o644);
    expect(await readableByOthers(path)).toBe(true);
    await writeConfig(path, { url: 'http://127.0.0.1:3000', token: 'fls_b' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readConfig(path)).toEqual({ url: 'http://127.0.0.1:3000', token: 'fls_b' });
    expect(JSON.parse(await readFile(path, 'utf8')).token).toBe('fls_b');
  });

  it('reads a missing file as empty and a broken one as an error naming it', async () => {
    expect(await readConfig(join(dir, 'none.json'))).toEqual({});
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"url":');
    await expect(readConfig(broken)).rejects.toThrow(/broken\.json is not valid JSON/);
  });
});
