import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './app-config.js';

const key = randomBytes(32).toString('base64');

describe(loadConfig.name, () => {
  it('gives the embedded defaults when nothing is set', async () => {
    const config = loadConfig({});
    await expect(Promise.resolve(config)).resolves.toMatchObject({
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

  it('reads a production configuration', async () => {
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
    await expect(Promise.resolve(config)).resolves.toMatchObject({
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
  ];

  it.each(invalid)('names %s when its value is wrong', async (variable, env) => {
    await expect(async () => loadConfig(env)).rejects.toThrow(ConfigError);
    await expect(async () => loadConfig(env)).rejects.toThrow(
      new RegExp(`^Invalid configuration: ${variable} `),
    );
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
});
