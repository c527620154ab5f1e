import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { wireExecConnection } from './exec.ts';

function frame(stream: 1 | 2, body: Buffer | string): Buffer {
  const bytes = Buffer.from(body);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(bytes.length, 4);
  return Buffer.concat([header, bytes]);
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe('exec connections', () => {
  it('splits frames into stdout and stderr, whatever the chunking, bytes intact', async () => {
    const socket = new PassThrough();
    const { stdout, stderr, ended } = wireExecConnection(socket, false);
    const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 256));
    const wire = Buffer.concat([
      frame(1, binary.subarray(0, 40_000)),
      frame(2, 'warning: something\n'),
      frame(1, binary.subarray(40_000)),
    ]);
    const out = collect(stdout);
    const err = collect(stderr);
    // Cut mid-header and mid-payload.
    for (let at = 0; at < wire.length; at += 4_099) socket.write(wire.subarray(at, at + 4_099));
    socket.end();
    await ended;
    expect((await out).equals(binary)).toBe(true);
    expect((await err).toString()).toBe('warning: something\n');
  });

  it('a connection that breaks before the output ended fails the streams', async () => {
    const socket = new PassThrough();
    const { stdout, ended } = wireExecConnection(socket, false);
    const out = collect(stdout);
    socket.write(frame(1, 'partial'));
    socket.destroy();
    await expect(ended).rejects.toThrow(/closed before the output ended/);
    await expect(out).rejects.toThrow(/closed before the output ended/);
  });

  it('ending stdin half-closes the connection while output keeps coming', async () => {
    const socket = new PassThrough({ allowHalfOpen: true });
    const written: Buffer[] = [];
    const fake = new PassThrough();
    // What the process would read (the socket's write side) and what it answers.
    const duplex = Object.assign(fake, {
      write: (chunk: Buffer, callback?: (error?: Error | null) => void) => {
        written.push(chunk);
        callback?.();
        return true;
      },
      end: () => {
        fake.push(frame(1, `read ${Buffer.concat(written).length} bytes`));
        fake.push(null);
        return fake;
      },
    });
    const { stdin, stdout, ended } = wireExecConnection(duplex, true);
    const out = collect(stdout);
    stdin!.write(Buffer.alloc(1000));
    stdin!.end(Buffer.alloc(24));
    await ended;
    expect((await out).toString()).toBe('read 1024 bytes');
    socket.destroy();
  });
});
