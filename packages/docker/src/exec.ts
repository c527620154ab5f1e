// A process run inside a running container (`POST /containers/{id}/exec`, then
// `POST /exec/{id}/start` on a connection upgraded to a raw stream, as `docker exec` does). Without
// a TTY the daemon multiplexes stdout and stderr into frames of [stream, 0, 0, 0, size (u32 BE)]
// then `size` bytes; stdin, when attached, is the raw write side of the same connection.
import { type Duplex, PassThrough, type Readable, Writable } from 'node:stream';

export interface ExecOptions {
  /** argv of the process (no shell unless the first word is one). */
  cmd: string[];
  /** "KEY=value" added to the container's environment. */
  env?: string[];
  /** Default: the container's user. */
  user?: string;
  workingDir?: string;
  /** Attach stdin: `ExecProcess.stdin` is then writable, and ending it closes the process's stdin. */
  stdin?: boolean;
  /** Aborting closes the connection; the process then sees its output pipe closed. */
  signal?: AbortSignal;
}

export interface ExecProcess {
  id: string;
  /** What the process writes to stdout, as it arrives; not reading it holds the process back. */
  stdout: Readable;
  /** What it writes to stderr (buffered whether read or not: keep it small). */
  stderr: Readable;
  /** Its stdin when asked for (`stdin: true`), else null. */
  stdin: Writable | null;
  /**
   * The exit code, once the output has ended and the daemon reports the process gone. Rejects
   * when the connection broke before the output ended.
   */
  exit: Promise<number>;
}

const frameHeader = 8;

/** Splits the daemon's frames into the two streams, passing back pressure through. */
export class ExecDemuxer extends Writable {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly stdout: PassThrough;
  private readonly stderr: PassThrough;

  constructor(stdout: PassThrough, stderr: PassThrough) {
    super();
    this.stdout = stdout;
    this.stderr = stderr;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error) => void) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let blocked: PassThrough | null = null;
    while (this.buffer.length >= frameHeader) {
      const size = this.buffer.readUInt32BE(4);
      if (this.buffer.length < frameHeader + size) break;
      const target = this.buffer[0] === 2 ? this.stderr : this.stdout;
      const payload = this.buffer.subarray(frameHeader, frameHeader + size);
      this.buffer = this.buffer.subarray(frameHeader + size);
      // Only stdout holds the connection back: stderr is diagnostics, read or not.
      if (payload.length > 0 && !target.write(payload) && target === this.stdout) blocked = target;
    }
    if (blocked) blocked.once('drain', () => callback());
    else callback();
  }

  override _final(callback: (error?: Error) => void) {
    this.stdout.end();
    this.stderr.end();
    callback(
      this.buffer.length > 0
        ? new Error(`exec output ended inside a frame (${this.buffer.length} bytes left)`)
        : undefined,
    );
  }
}

/**
 * Wires an upgraded exec connection: demultiplexed output, an optional stdin that half-closes the
 * connection when ended, and the end of output (rejecting if the connection broke first).
 */
export function wireExecConnection(
  socket: Duplex,
  withStdin: boolean,
  signal?: AbortSignal,
): { stdout: PassThrough; stderr: PassThrough; stdin: Writable | null; ended: Promise<void> } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const demuxer = new ExecDemuxer(stdout, stderr);
  const ended = new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      // stdout carries the failure (its reader must handle errors, as with any data stream);
      // stderr just stops, so nobody is made to listen to it.
      stdout.destroy(error);
      stderr.destroy();
      reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => {
      if (!demuxer.writableEnded) fail(new Error('the connection closed before the output ended'));
    });
    demuxer.on('error', fail);
    demuxer.on('finish', resolve);
    const abort = () => {
      const error = new Error('exec cancelled');
      error.name = 'AbortError';
      socket.destroy(error);
    };
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
    demuxer.on('close', () => signal?.removeEventListener('abort', abort));
  });
  // A consumer that gives up on stdout closes the connection, so the process is not left
  // blocked writing to a pipe nobody reads.
  stdout.on('close', () => {
    if (!stdout.readableEnded) socket.destroy();
  });
  socket.pipe(demuxer);
  const stdin = withStdin
    ? new Writable({
        write(chunk: Buffer, _encoding, callback) {
          socket.write(chunk, (error) => callback(error ?? undefined));
        },
        final(callback) {
          // Half-close: the daemon closes the process's stdin, its output keeps coming.
          socket.end();
          callback();
        },
        destroy(error, callback) {
          if (error) socket.destroy(error);
          callback(error);
        },
      })
    : null;
  return { stdout, stderr, stdin, ended };
}
