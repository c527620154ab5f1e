import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, nodeNameFromHostname } from './index.ts';

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

  it('names this process as a control-plane node, after the hostname by default', () => {
    const config = loadConfig({});
    expect(config.FLOTILLA_NODE_NAME).toBe(nodeNameFromHostname(hostname()));
    expect(config.FLOTILLA_NODE_TAGS).toEqual([]);
    expect(config.FLOTILLA_HEARTBEAT_MS).toBe(10_000);
    expect(nodeNameFromHostname('ip-10-0-0-1.eu-central-1.compute.internal')).toBe(
      'ip-10-0-0-1.eu-central-1.compute.internal',
    );
    expect(nodeNameFromHostname('_build box:1')).toBe('build-box-1');
    const named = loadConfig({ FLOTILLA_NODE_NAME: 'beta', FLOTILLA_NODE_TAGS: 'eu, private-net' });
    expect(named.FLOTILLA_NODE_NAME).toBe('beta');
    expect(named.FLOTILLA_NODE_TAGS).toEqual(['eu', 'private-net']);
    // The name is part of queue names: BullMQ's `:` and spaces are refused.
    expect(() => loadConfig({ FLOTILLA_NODE_NAME: 'beta:1' })).toThrow(/FLOTILLA_NODE_NAME/);
    expect(() => loadConfig({ FLOTILLA_HEARTBEAT_MS: '10' })).toThrow(/FLOTILLA_HEARTBEAT_MS/);
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

  it("reads each provider's request budget, the published limits by default", () => {
    const defaults = loadConfig({});
    expect(defaults.HETZNER_RATE_LIMIT).toEqual([{ limit: 3600, windowMs: 3_600_000 }]);
    expect(defaults.DIGITALOCEAN_RATE_LIMIT).toEqual([
      { limit: 5000, windowMs: 3_600_000 },
      { limit: 250, windowMs: 60_000 },
    ]);
    expect(loadConfig({ HETZNER_RATE_LIMIT: '10/2s' }).HETZNER_RATE_LIMIT).toEqual([
      { limit: 10, windowMs: 2_000 },
    ]);
    for (const bad of ['fast', '0/1h', '10/0s', '10/1d', '10/1h,']) {
      expect(() => loadConfig({ DIGITALOCEAN_RATE_LIMIT: bad })).toThrow(/DIGITALOCEAN_RATE_LIMIT/);
    }
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

  it('reads the network policy lists and refuses anything but addresses and CIDR blocks', () => {
    const defaults = loadConfig({});
    expect(defaults.FLOTILLA_NETWORK_ALLOW).toEqual([]);
    expect(defaults.FLOTILLA_NETWORK_DENY).toEqual([]);
    expect(defaults.FLOTILLA_NETWORK_REFUSE_PRIVATE).toBe(false);
    const set = loadConfig({
      FLOTILLA_NETWORK_ALLOW: '10.201.0.0/16, 203.0.113.7 2001:db8::/32',
      FLOTILLA_NETWORK_DENY: '192.168.0.0/16',
      FLOTILLA_NETWORK_REFUSE_PRIVATE: 'true',
      FLOTILLA_NETWORK_CONTROL_PLANE: '198.51.100.10',
    });
    expect(set.FLOTILLA_NETWORK_ALLOW).toEqual(['10.201.0.0/16', '203.0.113.7', '2001:db8::/32']);
    expect(set.FLOTILLA_NETWORK_DENY).toEqual(['192.168.0.0/16']);
    expect(set.FLOTILLA_NETWORK_REFUSE_PRIVATE).toBe(true);
    expect(set.FLOTILLA_NETWORK_CONTROL_PLANE).toEqual(['198.51.100.10']);
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0/8', '::1/129', '10.0.0.0/8/1']) {
      expect(() => loadConfig({ FLOTILLA_NETWORK_ALLOW: bad })).toThrow(/FLOTILLA_NETWORK_ALLOW/);
    }
  });

  it('reads session lifetimes as durations with a unit', () => {
    const defaults = loadConfig({});
    expect(defaults.FLOTILLA_SESSION_IDLE_TIMEOUT).toBe(12 * 3_600_000);
    expect(defaults.FLOTILLA_SESSION_MAX_AGE).toBe(7 * 86_400_000);
    const set = loadConfig({
      FLOTILLA_SESSION_IDLE_TIMEOUT: '30m',
      FLOTILLA_SESSION_MAX_AGE: '1d',
    });
    expect([set.FLOTILLA_SESSION_IDLE_TIMEOUT, set.FLOTILLA_SESSION_MAX_AGE]).toEqual([
      1_800_000, 86_400_000,
    ]);
    for (const bad of ['12', 'soon', '10s', '-1h', '1w']) {
      expect(() => loadConfig({ FLOTILLA_SESSION_IDLE_TIMEOUT: bad })).toThrow(
        /FLOTILLA_SESSION_IDLE_TIMEOUT/,
      );
    }
  });

  it('reads quota defaults, per provider where given', () => {
    const defaults = loadConfig({});
    expect(defaults.FLOTILLA_QUOTA_CLUSTERS).toBe(100);
    expect(defaults.FLOTILLA_QUOTA_NODES).toBe(300);
    expect(defaults.FLOTILLA_QUOTA_NODES_HETZNER).toBeUndefined();
    const set = loadConfig({ FLOTILLA_QUOTA_CLUSTERS: '5', FLOTILLA_QUOTA_NODES_AWS: '0' });
    expect([set.FLOTILLA_QUOTA_CLUSTERS, set.FLOTILLA_QUOTA_NODES_AWS]).toEqual([5, 0]);
    expect(() => loadConfig({ FLOTILLA_QUOTA_APPS: '-1' })).toThrow(/FLOTILLA_QUOTA_APPS/);
    expect(() => loadConfig({ FLOTILLA_QUOTA_DATABASES: 'many' })).toThrow(
      /FLOTILLA_QUOTA_DATABASES/,
    );
  });

  it('accepts previous master keys for reading and names a malformed one', () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    const config = loadConfig({
      FLOTILLA_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
      FLOTILLA_MASTER_KEY_PREVIOUS: `${a.toString('base64')},${b.toString('hex')}`,
    });
    expect(config.previousMasterKeys).toEqual([a, b]);
    expect(loadConfig({}).previousMasterKeys).toEqual([]);
    // Moving off the built-in key: it can be named instead of copied out of the source.
    const fromDevelopment = loadConfig({
      FLOTILLA_MASTER_KEY: a.toString('base64'),
      FLOTILLA_MASTER_KEY_PREVIOUS: 'development',
    });
    expect(fromDevelopment.previousMasterKeys).toEqual([loadConfig({}).masterKey]);
    expect(() =>
      loadConfig({ FLOTILLA_MASTER_KEY_PREVIOUS: `${a.toString('base64')},short` }),
    ).toThrow(/FLOTILLA_MASTER_KEY_PREVIOUS: key 2 must be 32 bytes/);
    // The raw keys are not kept beside the decoded ones (a Config may be logged by mistake).
    expect(JSON.stringify(Object.keys(config))).not.toContain('FLOTILLA_MASTER_KEY');
  });

  it('reads the Redis CA file at start and names a path that cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-config-'));
    try {
      const pem = join(dir, 'ca.pem');
      writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const tls = { REDIS_URL: 'rediss://:pw@127.0.0.1:6380' };
      expect(loadConfig({ ...tls, REDIS_TLS_CA_FILE: pem }).redisTlsCa).toContain(
        'BEGIN CERTIFICATE',
      );
      expect(loadConfig({}).redisTlsCa).toBeUndefined();
      expect(() => loadConfig({ ...tls, REDIS_TLS_CA_FILE: join(dir, 'missing.pem') })).toThrow(
        /REDIS_TLS_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/,
      );
      writeFileSync(join(dir, 'empty.pem'), 'not a certificate');
      expect(() => loadConfig({ ...tls, REDIS_TLS_CA_FILE: join(dir, 'empty.pem') })).toThrow(
        /holds no PEM certificate/,
      );
      // A CA for a connection that is not TLS would be silently unused.
      expect(() => loadConfig({ REDIS_TLS_CA_FILE: pem })).toThrow(
        /REDIS_TLS_CA_FILE: set, but REDIS_URL is not a rediss:\/\/ \(TLS\) URL/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metrics settings', () => {
  it('serve worker metrics on loopback by default and refuse a guessable token', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ WORKER_METRICS_HOST: '127.0.0.1', WORKER_METRICS_PORT: 9465 });
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({ WORKER_METRICS_PORT: '0' }).WORKER_METRICS_PORT).toBe(0);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: at least 16/);
    expect(() => loadConfig({ WORKER_METRICS_PORT: '70000' })).toThrow(/WORKER_METRICS_PORT/);
  });
});
