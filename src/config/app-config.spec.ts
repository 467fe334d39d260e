import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, withProvisioned } from './app-config.js';

const key = randomBytes(32).toString('base64');

describe(loadConfig.name, () => {
  it('gives the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      database: { type: 'sqlite', path: 'data/zoom-gateway.sqlite' },
      redisUrl: undefined,
      useEmbeddedSimulator: true,
      zoomOAuthBaseUrl: 'https://zoom.us',
      zoomApiBaseUrl: 'https://api.zoom.us/v2',
      rateLimitPlan: 'pro',
      authCheckIntervalSeconds: 300,
      logLevel: 'info',
      apiKeys: [],
    });
  });

  it('reads a production configuration', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/zoom',
      REDIS_URL: 'redis://cache:6379',
      ZOOM_ACCOUNT_ID: 'acc',
      ZOOM_CLIENT_ID: 'cid',
      ZOOM_CLIENT_SECRET: 'secret',
      API_KEYS: 'billing:0123456789abcdef0123,crm:abcdefabcdefabcdef12',
      ADMIN_API_KEYS: 'ops:ffffffffffffffffffff',
      ENCRYPTION_KEY: key,
      ZOOM_RATE_LIMIT_PLAN: 'business',
    });
    expect(config).toMatchObject({
      port: 8080,
      database: { type: 'postgres', url: 'postgres://u@db:5432/zoom' },
      redisUrl: 'redis://cache:6379',
      useEmbeddedSimulator: false,
      zoomCredentials: { accountId: 'acc', clientId: 'cid', clientSecret: 'secret' },
      rateLimitPlan: 'business',
      apiKeys: [
        { name: 'billing', admin: false },
        { name: 'crm', admin: false },
        { name: 'ops', admin: true },
      ],
    });
    expect(config.encryptionKey?.length).toBe(32);
  });

  const invalid: Array<[string, NodeJS.ProcessEnv]> = [
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db/zoom' }],
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: 'too-short' }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: randomBytes(16).toString('base64') }],
    ['API_KEYS', { API_KEYS: 'no-colon-here' }],
    ['API_KEYS', { API_KEYS: 'ok:0123456789abcdef,bad:short' }],
    ['ADMIN_API_KEYS', { ADMIN_API_KEYS: ':0123456789abcdef0123' }],
    ['ZOOM_CLIENT_SECRET', { ZOOM_ACCOUNT_ID: 'a', ZOOM_CLIENT_ID: 'b' }],
    ['ZOOM_RATE_LIMIT_PLAN', { ZOOM_RATE_LIMIT_PLAN: 'enterprise-plus' }],
    ['ZOOM_AUTH_CHECK_INTERVAL', { ZOOM_AUTH_CHECK_INTERVAL: '0' }],
    ['REDIS_URL', { REDIS_URL: 'http://cache:6379' }],
    ['ZOOM_API_BASE_URL', { ZOOM_API_BASE_URL: 'not a url' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['ENCRYPTION_KEY', { DATABASE_URL: 'postgres://u@db/zoom' }],
    ['ZOOM_RETRY_AFTER_CAP_SECONDS', { ZOOM_RETRY_AFTER_CAP_SECONDS: '0' }],
    ['ZOOM_RETRY_AFTER_CAP_SECONDS', { ZOOM_RETRY_AFTER_CAP_SECONDS: '1m' }],
    ['ZOOM_RATE_LIMITS', { ZOOM_RATE_LIMITS: 'light=120,medium' }],
    ['ZOOM_RATE_LIMITS', { ZOOM_RATE_LIMITS: 'tiny=5' }],
    ['ZOOM_RATE_LIMITS', { ZOOM_RATE_LIMITS: 'light=0' }],
    ['ZOOM_RATE_LIMITS', { ZOOM_RATE_LIMITS: 'light=10,light=20' }],
    ['ZOOM_RATE_LIMITS', { ZOOM_RATE_LIMITS: 'heavy=fast' }],
    ['ZOOM_RATE_LIMITS', { ZOOM_RATE_LIMITS: 'resource_intensive=30/s' }],
    ['ZOOM_RATE_LIMITS', { ZOOM_RATE_LIMITS: 'video.heavy=3' }],
    ['METRICS_TOKEN', { METRICS_TOKEN: 'short' }],
    ['METRICS_TOKEN', { METRICS_TOKEN: 'has spaces in it, sixteen+' }],
    ['METRICS_PORT', { PORT: '3000', METRICS_PORT: '3000' }],
    ['ZOOM_APP_WEIGHTS', { ZOOM_APP_WEIGHTS: 'billing' }],
    ['ZOOM_APP_WEIGHTS', { ZOOM_APP_WEIGHTS: 'billing=0' }],
    ['ZOOM_APP_WEIGHTS', { ZOOM_APP_WEIGHTS: 'billing=2,billing=3' }],
    ['CACHE_TTL_SECONDS', { CACHE_TTL_SECONDS: '-1' }],
    ['MINT_LEDGER_RETENTION_DAYS', { MINT_LEDGER_RETENTION_DAYS: '0' }],
    ['WEBHOOK_EVENTS_RETENTION_DAYS', { WEBHOOK_EVENTS_RETENTION_DAYS: 'a week' }],
    ['FAILED_MEETINGS_RETENTION_DAYS', { FAILED_MEETINGS_RETENTION_DAYS: '0' }],
    ['FAILED_MEETINGS_RETENTION_DAYS', { FAILED_MEETINGS_RETENTION_DAYS: '30d' }],
    ['DATABASE_QUERY_TIMEOUT_MS', { DATABASE_QUERY_TIMEOUT_MS: '10' }],
    ['DATABASE_CONNECT_TIMEOUT_MS', { DATABASE_CONNECT_TIMEOUT_MS: 'soon' }],
    ['SHUTDOWN_DRAIN_MS', { SHUTDOWN_DRAIN_MS: '5s' }],
    ['SHUTDOWN_DRAIN_MS', { SHUTDOWN_DRAIN_MS: '300001' }],
  ];

  it.each(invalid)('names %s when its value is wrong', async (variable, env) => {
    await expect(async () => loadConfig(env)).rejects.toThrow(ConfigError);
    await expect(async () => loadConfig(env)).rejects.toThrow(
      new RegExp(`^Invalid configuration: ${variable} `),
    );
  });

  it('reads app weights for the fair shares of the rate limits', () => {
    expect(loadConfig({ ZOOM_APP_WEIGHTS: 'billing=3, crm=1' }).zoomAppWeights).toEqual({
      billing: 3,
      crm: 1,
    });
    expect(loadConfig({}).zoomAppWeights).toEqual({});
  });

  it('never echoes a secret value in its message', async () => {
    const secret = 'sk-live-do-not-print-me-0000';
    await expect(async () => loadConfig({ API_KEYS: `bad name:${secret}` })).rejects.toThrow(
      /API_KEYS/,
    );
    await expect(async () => loadConfig({ API_KEYS: `bad name:${secret}` })).rejects.not.toThrow(
      secret,
    );
    await expect(async () => loadConfig({ ENCRYPTION_KEY: secret })).rejects.not.toThrow(secret);
  });

  it('refuses the same key name twice', async () => {
    await expect(async () =>
      loadConfig({ API_KEYS: 'a:0123456789abcdef', ADMIN_API_KEYS: 'a:fedcba9876543210' }),
    ).rejects.toThrow(/ADMIN_API_KEYS names the key "a" twice/);
  });

  it('defaults the resilience and retention settings', () => {
    expect(loadConfig({})).toMatchObject({
      role: 'server',
      zoomRetryAfterCapSeconds: 60,
      zoomRateLimits: undefined,
      cacheTtlSeconds: 30,
      mintLedgerRetentionDays: 30,
      webhookEventsRetentionDays: 7,
      failedMeetingsRetentionDays: 30,
      databaseQueryTimeoutMs: 5_000,
      databaseConnectTimeoutMs: 3_000,
    });
  });

  it('reads raised per-category rate limits, keeping the plan for categories it does not name', () => {
    expect(
      loadConfig({ ZOOM_RATE_LIMITS: 'light=120, medium=80,heavy=50' }).zoomRateLimits,
    ).toEqual({ light: 120, medium: 80, heavy: 50 });
    expect(loadConfig({ ZOOM_RATE_LIMITS: 'heavy=15' }).zoomRateLimits).toEqual({ heavy: 15 });
  });

  it('reads Resource-intensive per minute and other products by name', () => {
    expect(
      loadConfig({
        ZOOM_RATE_LIMITS: 'resource_intensive=30/min,phone.heavy=20/s,contact_center.light=50',
      }).zoomRateLimits,
    ).toEqual({ resource_intensive: 30, 'phone.heavy': 20, 'contact_center.light': 50 });
  });

  it('reads raised per-scope daily limits, per day', () => {
    expect(
      loadConfig({ ZOOM_RATE_LIMITS: 'host_user=500/day,registrant=5' }).zoomRateLimits,
    ).toEqual({ host_user: 500, registrant: 5 });
  });

  it('refuses to start the embedded simulator in production, naming the credentials to set', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /^Invalid configuration: ZOOM_ACCOUNT_ID \(with ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET\) is required when NODE_ENV=production/,
    );
    expect(loadConfig({ NODE_ENV: 'production' }, { role: 'cli' }).useEmbeddedSimulator).toBe(true);
    expect(loadConfig({}).useEmbeddedSimulator).toBe(true);
  });

  it('drains for 5 s after SIGTERM by default, and not at all with 0', () => {
    expect(loadConfig({})).toMatchObject({ shutdownDrainMs: 5_000, shutdownTimeoutMs: 75_000 });
    expect(loadConfig({ SHUTDOWN_DRAIN_MS: '0' }).shutdownDrainMs).toBe(0);
  });

  it('turns the cache off with 0 and caps Retry-After at what is set', () => {
    const config = loadConfig({ CACHE_TTL_SECONDS: '0', ZOOM_RETRY_AFTER_CAP_SECONDS: '15' });
    expect([config.cacheTtlSeconds, config.zoomRetryAfterCapSeconds]).toEqual([0, 15]);
  });

  it('takes the process role from its entry point', () => {
    expect(loadConfig({}, { role: 'cli' }).role).toBe('cli');
  });

  it('is frozen, nested values included', async () => {
    const config = loadConfig({ ZOOM_RATE_LIMITS: 'light=1', API_KEYS: 'a:0123456789abcdef' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(Object.isFrozen(config.apiKeys[0])).toBe(true);
    expect(Object.isFrozen(config.zoomRateLimits)).toBe(true);
    await expect(async () => Object.assign(config, { port: 1 })).rejects.toThrow(TypeError);
  });

  it('adds what start-up provisioned as a new frozen configuration, leaving the loaded one as it was', () => {
    const loaded = loadConfig({});
    const generated = randomBytes(32);
    const provisioned = withProvisioned(loaded, {
      encryptionKey: generated,
      zoomCredentials: { accountId: 'a', clientId: 'c', clientSecret: 's' },
      zoomOAuthBaseUrl: 'http://127.0.0.1:9999',
      zoomApiBaseUrl: undefined,
    });
    expect(provisioned).toMatchObject({
      encryptionKey: generated,
      zoomCredentials: { clientId: 'c' },
      zoomOAuthBaseUrl: 'http://127.0.0.1:9999',
      zoomApiBaseUrl: 'https://api.zoom.us/v2',
      useEmbeddedSimulator: true,
      replicaId: loaded.replicaId,
    });
    expect(Object.isFrozen(provisioned)).toBe(true);
    expect([loaded.encryptionKey, loaded.zoomCredentials]).toEqual([undefined, undefined]);
  });
});
