import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../src/index.ts';

const databaseUrl = 'postgresql://root@127.0.0.1:5432/postgres';
let proxy: TcpProxy;

beforeAll(async () => {
  proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
});
afterAll(() => proxy?.close());

describe('TCP proxy', () => {
  it('passes traffic, drops it when cut like a restarting server, and recovers', async () => {
    const sql = postgres(proxy.wrap(databaseUrl), {
      max: 1,
      connect_timeout: 2,
      onnotice: () => {},
    });
    try {
      expect((await sql`select 1 as one`)[0]?.one).toBe(1);
      expect(proxy.connections).toBe(1);
      proxy.cut();
      await expect(sql`select 1`).rejects.toThrow();
      proxy.restore();
      expect((await sql`select 2 as two`)[0]?.two).toBe(2);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
