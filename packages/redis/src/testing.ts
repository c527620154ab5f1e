// Test-only: a redis-server of the test's own on a loopback port, with a password and optionally
// TLS only (`--port 0 --tls-port …`, a CA and a server certificate for 127.0.0.1 made here by
// openssl), as production runs it. `@flotilla/redis/testing`; never imported by a process.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestRedis {
  port: number;
  /** `redis://` or `rediss://`, with the password percent-encoded. */
  url: string;
  password: string;
  /** PEM file of the CA that signed the server's certificate (TLS only). */
  caFile?: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A CA, and a server certificate it signed for 127.0.0.1 and localhost, in `dir`. */
async function makeCertificates(dir: string) {
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const subject = (cn: string) => ['-subj', `/CN=${cn}`];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '1',
    ...subject('flotilla-test-ca'),
  ]);
  await run('openssl', [
    'req',
    ...ec,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    ...subject('localhost'),
  ]);
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '1',
    '-extfile',
    file('server.ext'),
  ]);
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key') };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startTestRedis(
  options: { tls?: boolean; password?: string } = {},
): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-redis-'));
  // Characters that must be percent-encoded in a URL, as generated passwords often have.
  const password = options.password ?? `fl0t/lla:${randomBytes(6).toString('hex')}@#%`;
  const port = await freePort();
  const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  args.push('--requirepass', password);
  let caFile: string | undefined;
  if (options.tls) {
    const pem = await makeCertificates(dir);
    caFile = pem.ca;
    args.push('--port', '0', '--tls-port', String(port)); // no plaintext listener at all
    args.push('--tls-cert-file', pem.cert, '--tls-key-file', pem.key);
    args.push('--tls-ca-cert-file', pem.ca, '--tls-auth-clients', 'no');
  } else {
    args.push('--port', String(port));
  }
  const server: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill();
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (!(await listening(port))) {
    if (server.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start on ${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const scheme = options.tls ? 'rediss' : 'redis';
  return {
    port,
    url: `${scheme}://:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    password,
    ...(caFile ? { caFile } : {}),
    stop,
  };
}
