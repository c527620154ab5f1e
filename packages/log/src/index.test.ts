import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat } from './index.ts';

function capture(format: LogFormat) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger({ name: 'api', format, destination }), lines };
}

const secrets = { password: 'hunter2', body: { privateKey: 'PRIVATE', token: 'ftk_abc' } };

describe('createLogger', () => {
  it('never writes secrets, however deeply they sit', () => {
    for (const format of ['json', 'pretty'] as const) {
      const { log, lines } = capture(format);
      log.info(secrets, 'hello');
      const text = lines.join('\n');
      expect(text).toContain('hello');
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('PRIVATE');
      expect(text).not.toContain('ftk_abc');
    }
  });

  it('writes one JSON object per event for machines', () => {
    const { log, lines } = capture('json');
    log.warn({ clusterId: 'cls_1' }, 'cluster degraded');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 40,
      name: 'api',
      clusterId: 'cls_1',
      msg: 'cluster degraded',
    });
  });

  it('writes one readable line per event for people: time, level, process, message, fields', () => {
    const { log, lines } = capture('pretty');
    log.warn({ clusterId: 'cls_1', nested: { step: 'swarm.join' } }, 'cluster degraded');
    log.info('api listening');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN \(api\): cluster degraded \{"clusterId":"cls_1","nested":\{"step":"swarm.join"\}\}$/,
    );
    expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(api\): api listening$/);
  });

  it('keeps an error on its line, with the stack after it', () => {
    const { log, lines } = capture('pretty');
    log.error({ err: new Error('ssh handshake timed out') }, 'node failed');
    expect(lines[0]).toMatch(/ERROR \(api\): node failed/);
    expect(lines.join('\n')).toContain('ssh handshake timed out');
    expect(lines.join('\n')).toMatch(/at .*index\.test\.ts/);
  });
});
