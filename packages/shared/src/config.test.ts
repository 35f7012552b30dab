import { describe, expect, it } from 'vitest';
import { apiConfigSchema, ConfigError, parseConfig, workerConfigSchema } from './config.js';

const KEYS = 'abcdefghijklmnop:tenant-a,qrstuvwxyz012345:tenant-b';

describe('parseConfig', () => {
  it('applies defaults and parses lists, booleans and key pairs', () => {
    const cfg = parseConfig(apiConfigSchema, { API_KEYS: KEYS, S3_ALLOWED_BUCKETS: 'in-a, in-b,', S3_FORCE_PATH_STYLE: 'false', PORT: '' });
    expect(cfg.PORT).toBe(8080);
    expect(cfg.HOST).toBe('127.0.0.1');
    expect(cfg.QUEUE_PREFIX).toBe('{vadfleet}');
    expect(cfg.S3_ALLOWED_BUCKETS).toEqual(['in-a', 'in-b']);
    expect(cfg.S3_FORCE_PATH_STYLE).toBe(false); // not z.coerce.boolean's "false" → true
    expect(cfg.API_KEYS).toEqual([
      { key: 'abcdefghijklmnop', tenant: 'tenant-a' },
      { key: 'qrstuvwxyz012345', tenant: 'tenant-b' },
    ]);
  });

  it('names every offending variable, without echoing values', () => {
    let error: unknown;
    try {
      parseConfig(apiConfigSchema, { API_KEYS: 'short:t', PORT: '99999', S3_FORCE_PATH_STYLE: 'perhaps', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['API_KEYS', 'PORT', 'S3_FORCE_PATH_STYLE', 'LOG_LEVEL']) expect(message).toMatch(new RegExp(`^  ${name}: `, 'm'));
    expect(message).not.toContain('short:t');
  });

  it('says a required variable is required', () => {
    expect(() => parseConfig(apiConfigSchema, {})).toThrow(/^ {2}API_KEYS: is required/m);
  });

  it('reads the Redis topology: sentinels as host:port pairs, cluster only with a hash-tagged prefix', () => {
    const sentinel = parseConfig(workerConfigSchema, { REDIS_SENTINELS: 'sentinel-0.redis:26379, 10.0.0.7:26380', REDIS_SENTINEL_MASTER: 'queue' });
    expect(sentinel.REDIS_SENTINELS).toEqual([{ host: 'sentinel-0.redis', port: 26379 }, { host: '10.0.0.7', port: 26380 }]);
    expect(sentinel.REDIS_CLUSTER).toBe(false);
    expect(parseConfig(workerConfigSchema, { REDIS_CLUSTER: 'true', QUEUE_PREFIX: 'prod-{vadfleet}' }).REDIS_CLUSTER).toBe(true);

    expect(() => parseConfig(workerConfigSchema, { REDIS_SENTINELS: 'sentinel-0:port' })).toThrow(/^ {2}REDIS_SENTINELS: expected host:port pairs/m);
    expect(() => parseConfig(workerConfigSchema, { REDIS_CLUSTER: 'true', QUEUE_PREFIX: 'vadfleet' })).toThrow(/^ {2}QUEUE_PREFIX: with REDIS_CLUSTER it must contain a \{hash tag\}/m);
    expect(() => parseConfig(apiConfigSchema, { API_KEYS: KEYS, REDIS_CLUSTER: 'true', QUEUE_PREFIX: '{}x' })).toThrow(/QUEUE_PREFIX/);
    expect(() => parseConfig(apiConfigSchema, { API_KEYS: KEYS, REDIS_CLUSTER: 'true', REDIS_SENTINELS: 'a:1' })).toThrow(/^ {2}REDIS_CLUSTER: cannot be combined with REDIS_SENTINELS/m);
  });
});
