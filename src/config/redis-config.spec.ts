import { ConfigError, loadConfig } from './app-config.js';

describe('Redis configuration', () => {
  it('reads Sentinels and the master name', () => {
    const config = loadConfig({
      REDIS_SENTINELS: 's1:26379, 10.0.0.2:26380',
      REDIS_SENTINEL_NAME: 'mymaster',
      REDIS_PASSWORD: 'pw',
    });
    expect(config.redis).toEqual({
      mode: 'sentinel',
      name: 'mymaster',
      password: 'pw',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
    });
    expect(config.redisUrl).toBeUndefined();
    expect(config.redisKeyPrefix).toBe('zoom-gateway:');
  });

  it('reads cluster seed nodes and puts every key in one slot with a hash tag', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000,n2:7001' });
    expect(config.redis).toMatchObject({
      mode: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
    });
    expect(config.redisKeyPrefix).toBe('{zoom-gateway}:');
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000', REDIS_KEY_PREFIX: 'gw:' }).redisKeyPrefix,
    ).toBe('{gw}:');
    // A prefix that already carries a hash tag is kept as it is.
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000', REDIS_KEY_PREFIX: '{team}:gw:' }).redisKeyPrefix,
    ).toBe('{team}:gw:');
  });

  it('keeps REDIS_URL as the standalone mode', () => {
    const config = loadConfig({ REDIS_URL: 'redis://cache:6379' });
    expect(config.redis).toEqual({ mode: 'standalone', url: 'redis://cache:6379' });
    expect(config.redisUrl).toBe('redis://cache:6379');
  });

  const invalid: Array<[string, NodeJS.ProcessEnv]> = [
    ['REDIS_SENTINELS', { REDIS_URL: 'redis://cache:6379', REDIS_SENTINELS: 's:26379' }],
    ['REDIS_CLUSTER_NODES', { REDIS_SENTINELS: 's:26379', REDIS_CLUSTER_NODES: 'n:7000' }],
    ['REDIS_SENTINEL_NAME', { REDIS_SENTINELS: 's:26379' }],
    ['REDIS_SENTINEL_NAME', { REDIS_SENTINEL_NAME: 'mymaster' }],
    ['REDIS_SENTINELS', { REDIS_SENTINELS: 's1', REDIS_SENTINEL_NAME: 'm' }],
    ['REDIS_SENTINELS', { REDIS_SENTINELS: 's1:0', REDIS_SENTINEL_NAME: 'm' }],
    ['REDIS_CLUSTER_NODES', { REDIS_CLUSTER_NODES: 'n1:7000,redis://n2:7001' }],
  ];

  it.each(invalid)('stops on a bad value, naming %s', (variable, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });
});
