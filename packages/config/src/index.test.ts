import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.ts';

describe('loadConfig', () => {
  it('fills in the documented defaults', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBe('postgresql://root@127.0.0.1:5432/flotilla');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.PORT).toBe(3000);
    expect(config.masterKey).toHaveLength(32);
    expect(config.masterKeyIsDevelopmentDefault).toBe(true);
  });

  it('names every invalid variable', () => {
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'eighty' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('DATABASE_URL');
      expect(problems).toContain('PORT');
    }
  });

  it('requires a master key in production and accepts base64 or hex', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/FLOTILLA_MASTER_KEY: required/);
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ NODE_ENV: 'production', FLOTILLA_MASTER_KEY: hex }).masterKey).toEqual(
      Buffer.from(hex, 'hex'),
    );
    const b64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ FLOTILLA_MASTER_KEY: b64 }).masterKeyIsDevelopmentDefault).toBe(false);
    expect(() => loadConfig({ FLOTILLA_MASTER_KEY: 'short' })).toThrow(/must be 32 bytes/);
  });

  it('reads booleans spelled the usual ways', () => {
    expect(loadConfig({ FLOTILLA_OPEN_SIGNUP: 'true' }).FLOTILLA_OPEN_SIGNUP).toBe(true);
    expect(loadConfig({ FLOTILLA_OPEN_SIGNUP: '0' }).FLOTILLA_OPEN_SIGNUP).toBe(false);
  });

  it('points provider clients at the public APIs unless told otherwise', () => {
    const defaults = loadConfig({});
    expect(defaults.DIGITALOCEAN_API_URL).toBe('https://api.digitalocean.com');
    expect(defaults.HETZNER_API_URL).toBe('https://api.hetzner.cloud');
    expect(defaults.AWS_ENDPOINT_URL_EC2).toBeUndefined();
    const local = loadConfig({ AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:4566' });
    expect(local.AWS_ENDPOINT_URL_EC2).toBe('http://127.0.0.1:4566');
    expect(() => loadConfig({ HETZNER_API_URL: 'not a url' })).toThrow(/HETZNER_API_URL/);
  });

  it('bounds the retry budget of jobs and the SSH wait, with production defaults', () => {
    const defaults = loadConfig({});
    expect(defaults.JOB_ATTEMPTS).toBe(8);
    expect(defaults.JOB_BACKOFF_MS).toBe(2_000);
    expect(defaults.SSH_WAIT_TIMEOUT_MS).toBe(120_000);
    const small = loadConfig({
      JOB_ATTEMPTS: '2',
      JOB_BACKOFF_MS: '500',
      SSH_WAIT_TIMEOUT_MS: '3000',
    });
    expect([small.JOB_ATTEMPTS, small.JOB_BACKOFF_MS, small.SSH_WAIT_TIMEOUT_MS]).toEqual([
      2, 500, 3_000,
    ]);
    expect(() => loadConfig({ JOB_ATTEMPTS: '0' })).toThrow(/JOB_ATTEMPTS/);
    expect(() => loadConfig({ JOB_BACKOFF_MS: 'soon' })).toThrow(/JOB_BACKOFF_MS/);
    expect(() => loadConfig({ SSH_WAIT_TIMEOUT_MS: '10' })).toThrow(/SSH_WAIT_TIMEOUT_MS/);
  });
});
