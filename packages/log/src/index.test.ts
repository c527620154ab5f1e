import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './index.ts';

describe('createLogger', () => {
  it('never writes secrets, however deeply they sit', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ name: 'test', destination });
    log.info({ password: 'hunter2', body: { privateKey: 'PRIVATE', token: 'ftk_abc' } }, 'hello');
    const text = lines.join('');
    expect(text).toContain('hello');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('PRIVATE');
    expect(text).not.toContain('ftk_abc');
  });
});
