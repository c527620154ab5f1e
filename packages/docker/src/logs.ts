// Service logs as the daemon sends them without a TTY: frames of [stream, 0, 0, 0, size (u32 BE)]
// then `size` bytes. With timestamps=1 and details=1 each line reads
// "2026-12-06T18:40:19.448329652Z com.docker.swarm.node.id=…,…task.id=… message".

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 with nanoseconds, as the daemon stamped the line. */
  time: string;
  taskId?: string;
  nodeId?: string;
  message: string;
  /**
   * Written by the daemon itself, not by a task: e.g. "Error grabbing logs: … incomplete log
   * stream … node … is not available" when a node does not answer in time. No stamp, no task.
   */
  daemon?: true;
}

const stamped = /^\d{4}-\d\d-\d\dT/;

const frameHeader = 8;

function parseLine(stream: LogLine['stream'], text: string): LogLine {
  if (!stamped.test(text)) return { stream, time: '', message: text, daemon: true };
  const firstSpace = text.indexOf(' ');
  const time = firstSpace === -1 ? '' : text.slice(0, firstSpace);
  let rest = firstSpace === -1 ? text : text.slice(firstSpace + 1);
  const line: LogLine = { stream, time, message: rest };
  // The details field is k=v pairs joined by commas, values URL-encoded; it is present only
  // when the first word has an "=" (the daemon always sends it for service logs with details).
  const detailsEnd = rest.indexOf(' ');
  const details = detailsEnd === -1 ? rest : rest.slice(0, detailsEnd);
  if (details.includes('=')) {
    for (const pair of details.split(',')) {
      const [key, value = ''] = pair.split('=');
      const decoded = decodeURIComponent(value);
      if (key === 'com.docker.swarm.task.id') line.taskId = decoded;
      if (key === 'com.docker.swarm.node.id') line.nodeId = decoded;
    }
    rest = detailsEnd === -1 ? '' : rest.slice(detailsEnd + 1);
    line.message = rest;
  }
  return line;
}

/** Splits frames into lines; keeps a partial frame and partial lines for the next chunk. */
export class LogDemuxer {
  private buffer: Buffer = Buffer.alloc(0);
  private partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };

  push(chunk: Buffer): LogLine[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const lines: LogLine[] = [];
    while (this.buffer.length >= frameHeader) {
      const size = this.buffer.readUInt32BE(4);
      if (this.buffer.length < frameHeader + size) break;
      const stream = this.buffer[0] === 2 ? 'stderr' : 'stdout';
      const text =
        this.partial[stream] + this.buffer.toString('utf8', frameHeader, frameHeader + size);
      this.buffer = this.buffer.subarray(frameHeader + size);
      const parts = text.split('\n');
      this.partial[stream] = parts.pop() ?? '';
      for (const part of parts) lines.push(parseLine(stream, part.replace(/\r$/, '')));
    }
    return lines;
  }

  /** Whatever was left without a final newline. */
  end(): LogLine[] {
    const lines: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) lines.push(parseLine(stream, this.partial[stream]));
      this.partial[stream] = '';
    }
    return lines;
  }
}

export function parseLogFrames(data: Buffer): LogLine[] {
  const demuxer = new LogDemuxer();
  return [...demuxer.push(data), ...demuxer.end()];
}

/** Lines of a followed log stream; ends when the stream ends or the signal aborts. */
export async function* streamLogLines(
  open: () => Promise<NodeJS.ReadableStream>,
  signal?: AbortSignal,
): AsyncGenerator<LogLine> {
  const stream = await open();
  const demuxer = new LogDemuxer();
  const stop = () => (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of stream) {
      for (const line of demuxer.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))) {
        yield line;
      }
    }
    for (const line of demuxer.end()) yield line;
  } catch (error) {
    if (!signal?.aborted) throw error;
  } finally {
    signal?.removeEventListener('abort', stop);
    stop();
  }
}
