// The workload image for tests (`flotilla/sleeper:1`), built offline: the test servers have no
// registry access. Its only file is a 232-byte static x86-64 program that sleeps until SIGTERM or
// SIGINT and then exits 0, so `docker stop` and Swarm drains finish at once.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk, TestbedError } from './command.ts';
import { execInHost } from './host.ts';
import type { HostState } from './state.ts';

export const sleeperImage = 'flotilla/sleeper:1';

const base = 0x400000;
const headerSize = 64 + 56;

function sleeperProgram(): Buffer {
  const sigaction = (signal: number, nextInsnOffset: number) => {
    const disp = Buffer.alloc(4);
    disp.writeInt32LE(80 - nextInsnOffset);
    return [
      [0xb8, 13, 0, 0, 0], // mov eax, rt_sigaction
      [0xbf, signal, 0, 0, 0], // mov edi, signal
      [0x48, 0x8d, 0x35, ...disp], // lea rsi, [rip + act]
      [0x31, 0xd2], // xor edx, edx (no old action)
      [0x41, 0xba, 8, 0, 0, 0], // mov r10d, sizeof(sigset_t)
      [0x0f, 0x05], // syscall
    ].flat();
  };
  const code = [
    ...sigaction(15, 17), // SIGTERM; code offsets 0..26
    ...sigaction(2, 44), // SIGINT; 27..53
    ...[0xb8, 34, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7], // 54: pause(); jmp 54
    ...[0xb8, 60, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05], // 63: handler: exit(0)
  ];
  while (code.length < 80) code.push(0x90);
  const handler = base + headerSize + 63;
  const act = Buffer.alloc(32);
  act.writeBigUInt64LE(BigInt(handler), 0); // sa_handler
  // x86-64 kernels refuse to deliver a signal without SA_RESTORER; the handler never returns.
  act.writeBigUInt64LE(0x04000000n, 8);
  act.writeBigUInt64LE(BigInt(handler), 16); // sa_restorer
  const body = Buffer.concat([Buffer.from(code), act]);
  const size = headerSize + body.length;

  const elf = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(elf, 0); // ELF64, little endian
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(0x3e, 18); // x86-64
  elf.writeUInt32LE(1, 20);
  elf.writeBigUInt64LE(BigInt(base + headerSize), 24); // entry
  elf.writeBigUInt64LE(64n, 32); // program headers follow
  elf.writeUInt16LE(64, 52);
  elf.writeUInt16LE(56, 54);
  elf.writeUInt16LE(1, 56);
  const segment = Buffer.alloc(56);
  segment.writeUInt32LE(1, 0); // PT_LOAD
  segment.writeUInt32LE(5, 4); // read + execute
  segment.writeBigUInt64LE(BigInt(base), 16);
  segment.writeBigUInt64LE(BigInt(base), 24);
  segment.writeBigUInt64LE(BigInt(size), 32);
  segment.writeBigUInt64LE(BigInt(size), 40);
  segment.writeBigUInt64LE(0x1000n, 48);
  return Buffer.concat([elf, segment, body]);
}

let imageTar: Promise<Buffer> | undefined;

/** The root filesystem of the image as a tar stream, built once per process. */
export function sleeperTar(): Promise<Buffer> {
  imageTar ??= (async () => {
    if (process.arch !== 'x64')
      throw new TestbedError('the sleeper image is built for x86-64 only');
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-sleeper-'));
    try {
      await writeFile(join(dir, 'sleeper'), sleeperProgram(), { mode: 0o755 });
      const tar = join(dir, 'rootfs.tar');
      await runOk('tar', ['-C', dir, '--owner=0', '--group=0', '-cf', tar, 'sleeper']);
      return await readFile(tar);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return imageTar;
}

/** Loads the image into the host's Docker engine; returns its name. */
export async function importImage(host: HostState): Promise<string> {
  const tar = await sleeperTar();
  const result = await execInHost(
    host,
    `docker import --change 'ENTRYPOINT ["/sleeper"]' - ${sleeperImage}`,
    { input: tar },
  );
  if (result.code !== 0) {
    throw new TestbedError(`docker import on ${host.name}: ${result.stderr.trim()}`);
  }
  return sleeperImage;
}
