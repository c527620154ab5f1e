import { describe, expect, it } from 'vitest';
import { codeOf, errorCodes, FlotillaError, isRetryable } from './index.ts';

class Unreachable extends FlotillaError {
  constructor() {
    super('unreachable', 'node-1 did not answer');
  }
}

describe('FlotillaError', () => {
  it('takes retryable from its code unless told otherwise', () => {
    expect(new Unreachable().retryable).toBe(true);
    expect(new FlotillaError('hostKeyChanged', 'changed').retryable).toBe(false);
    expect(new FlotillaError('providerRejected', '429', { retryable: true }).retryable).toBe(true);
  });

  it('decides on the code, not on the message', () => {
    const error = new Unreachable();
    expect(error).toBeInstanceOf(Error);
    expect(codeOf(error)).toBe('unreachable');
    expect(isRetryable(error)).toBe(true);
    expect(codeOf(new Error('did not answer SSH after 3 attempts'))).toBe('internal');
  });

  it('keeps its cause', () => {
    const cause = new Error('ECONNREFUSED');
    expect(new FlotillaError('unreachable', 'down', { cause }).cause).toBe(cause);
  });

  it('lists a retry decision for every code', () => {
    for (const entry of Object.values(errorCodes)) expect(typeof entry.retryable).toBe('boolean');
  });
});
