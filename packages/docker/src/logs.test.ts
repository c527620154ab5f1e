import { describe, expect, it } from 'vitest';
import { LogDemuxer, parseLogFrames } from './logs.ts';

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const details =
  'com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t%2C1';

describe('service log frames', () => {
  it('splits stdout and stderr lines with their time, task and node', () => {
    const lines = parseLogFrames(
      Buffer.concat([
        frame(1, `2026-12-06T18:40:19.448329652Z ${details} listening on :80\n`),
        frame(2, `2026-12-06T18:40:20.000000001Z ${details} 10.0.0.1:5000: url:/\n`),
      ]),
    );
    expect(lines).toEqual([
      {
        stream: 'stdout',
        time: '2026-12-06T18:40:19.448329652Z',
        nodeId: 'n1',
        taskId: 't,1',
        message: 'listening on :80',
      },
      {
        stream: 'stderr',
        time: '2026-12-06T18:40:20.000000001Z',
        nodeId: 'n1',
        taskId: 't,1',
        message: '10.0.0.1:5000: url:/',
      },
    ]);
  });

  it('marks a line the daemon wrote itself (no stamp, no task) instead of misreading it', () => {
    const warning =
      'Error grabbing logs: rpc error: code = Unknown desc = warning: incomplete log stream. some logs could not be retrieved for the following reasons: node n2 is not available';
    const lines = parseLogFrames(
      Buffer.concat([
        frame(1, `2026-12-06T18:40:19.448329652Z ${details} listening on :80\n`),
        frame(2, `${warning}\n`),
      ]),
    );
    expect(lines[0]).toMatchObject({ taskId: 't,1', message: 'listening on :80' });
    expect(lines[1]).toEqual({ stream: 'stderr', time: '', message: warning, daemon: true });
  });

  it('keeps a frame cut across chunks, and a line cut across frames, until complete', () => {
    const demuxer = new LogDemuxer();
    const data = Buffer.concat([
      frame(1, '2026-12-06T00:00:00Z a=b first '),
      frame(1, 'half\n2026-12-06T00:00:01Z a=b second\n'),
    ]);
    const seen = [...demuxer.push(data.subarray(0, 5)), ...demuxer.push(data.subarray(5, 30))];
    expect(seen).toEqual([]);
    const rest = demuxer.push(data.subarray(30));
    expect(rest.map((l) => l.message)).toEqual(['first half', 'second']);
    expect(demuxer.end()).toEqual([]);
  });
});
