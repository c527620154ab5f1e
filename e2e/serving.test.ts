// The real dashboard build (made current by setup.ts), as `pnpm build` writes it and the API
// process serves it: without server-only code, compressed once at build time, cached by name.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webDist } from './build.ts';
import { type Dashboard, startDashboard } from './harness.ts';

describe('the dashboard build', () => {
  let dashboard: Dashboard;
  let scripts: string[];

  beforeAll(async () => {
    dashboard = await startDashboard();
    scripts = (await readdir(join(webDist, 'assets'))).filter((name) => name.endsWith('.js'));
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  it('ships a browser bundle without server-only code', async () => {
    expect(scripts.length).toBeGreaterThan(0);
    for (const name of scripts) {
      const code = await readFile(join(webDist, 'assets', name), 'utf8');
      for (const marker of ['@prisma/client', 'node:fs', 'node:crypto', 'ioredis', 'ssh2']) {
        expect(code, `${name} contains ${marker}`).not.toContain(marker);
      }
    }
  });

  it('has a gzip twin beside every compressible file over 1 KiB', async () => {
    const files = await readdir(webDist, { recursive: true });
    const big = files.filter((name) => /^[^.].*\.(html|js|css|svg|json|map)$/.test(name));
    let twins = 0;
    for (const name of big) {
      const body = await readFile(join(webDist, name));
      if (body.length <= 1024) continue;
      const zipped = await readFile(join(webDist, `${name}.gz`));
      expect(gunzipSync(zipped).equals(body), name).toBe(true);
      twins++;
    }
    expect(twins).toBeGreaterThan(0);
  });

  it('is served by the API: the page for every path, the script compressed and immutable', async () => {
    const page = await fetch(`${dashboard.url}/clusters/cls_unknown`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, html).toBeDefined();

    const reply = await fetch(`${dashboard.url}${script}`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-encoding')).toBe('gzip');
    expect(reply.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // fetch undoes the gzip: what arrives is the script on disk.
    const onDisk = await readFile(join(webDist, script as string), 'utf8');
    expect(await reply.text()).toBe(onDisk);
  });
});
