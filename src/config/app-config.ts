import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Grants } from './grants.js';
import {
  apiKeys,
  appWeights,
  boolean,
  checkApps,
  ConfigError,
  database,
  encryptionKey,
  integer,
  LOG_LEVELS,
  oneOf,
  rateLimits,
  url,
  zoomCredentials,
} from './env-parsers.js';
import { type ConsoleOidcConfig, consoleOidc } from './console-oidc.js';
import { type RedisConnection, redisConnection, redisKeyPrefix } from './redis-config.js';
import { parseWebhookDestinations, type WebhookDestinations } from './webhook-destinations.js';

export { ConfigError } from './env-parsers.js';
export type { RedisConnection, RedisNode } from './redis-config.js';

/** The one typed configuration, built once from the environment at start-up. */
export interface ApiKeyEntry {
  /** The app: several entries may share it (a key and its successor, during a rotation). */
  name: string;
  key: string;
  admin: boolean;
  grants: Grants;
}

export type DatabaseConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

export type RateLimitPlan = 'free' | 'pro' | 'business';

export interface ZoomCredentialsConfig {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

/**
 * What this process is: a serving replica, or an operator command (`npm run cli`). Decided at
 * load by the entry point, so no service has to guess from the HTTP adapter.
 */
export type ProcessRole = 'server' | 'cli';

/** Zoom's rate-limit categories (https://developers.zoom.us/docs/api/rate-limits/). */
export type ZoomRateCategory = 'light' | 'medium' | 'heavy' | 'resource_intensive';

/** Requests per second per category, for accounts whose limits Zoom raised; unnamed categories keep the plan's. */
/** By bucket: `light`, `resource_intensive` (per minute), `phone.heavy`, ... */
export type RateLimitOverrides = Readonly<Record<string, number>>;

/**
 * Frozen once loaded (deeply: nested objects too). A value known only after start-up work
 * (the generated encryption key, the embedded simulator's address) enters through
 * `withProvisioned`, which returns a new frozen configuration; nothing is mutated.
 */
export class AppConfig {
  readonly role!: ProcessRole;
  readonly port!: number;
  readonly host!: string;
  /** METRICS_TOKEN: when set, `GET /metrics` needs `Authorization: Bearer <it>`. */
  readonly metricsToken?: string;
  /** METRICS_PORT: `/metrics` is served on this port only, apart from the API. */
  readonly metricsPort?: number;
  readonly database!: DatabaseConfig;
  readonly runMigrations!: boolean;
  /** Client-side deadline of one PostgreSQL query (pg `query_timeout` and `statement_timeout`). */
  readonly databaseQueryTimeoutMs!: number;
  /** How long a request waits for a PostgreSQL connection from the pool (`connectionTimeoutMillis`). */
  readonly databaseConnectTimeoutMs!: number;
  /** REDIS_URL: set only in standalone mode; `redis` says how to reach Redis in every mode. */
  readonly redisUrl?: string;
  /** Unset: a single instance. Standalone, Sentinel or Cluster (see redis-config.ts). */
  readonly redis?: RedisConnection;
  /** Every key's prefix; wrapped in a hash tag in cluster mode (one slot for all keys). */
  readonly redisKeyPrefix!: string;
  /** Unset when the embedded simulator should be used. */
  readonly zoomCredentials?: Readonly<ZoomCredentialsConfig>;
  readonly zoomOAuthBaseUrl!: string;
  readonly zoomApiBaseUrl!: string;
  /**
   * ZOOM_API_BASE_URL was set: calls go there. Unset, they go to the regional host the token
   * answer's `api_url` names (Zoom's advice for accounts outside the US), else the default.
   */
  readonly zoomApiBaseUrlExplicit!: boolean;
  readonly zoomAppId?: string;
  readonly webhookSecretToken?: string;
  readonly webhookAdoptCreated!: boolean;
  readonly apiKeys!: readonly ApiKeyEntry[];
  /** 32 bytes; undefined until the embedded default generates one into the data directory. */
  readonly encryptionKey?: Buffer;
  readonly rateLimitPlan!: RateLimitPlan;
  /** ZOOM_RATE_LIMITS: overrides the plan's per-second limits for the categories it names. */
  readonly zoomRateLimits?: RateLimitOverrides;
  /**
   * ZOOM_APP_WEIGHTS (`billing=3,crm=1`): each app's weight in its fair share of every rate
   * category; apps not named weigh 1.
   */
  readonly zoomAppWeights!: Readonly<Record<string, number>>;
  /** The longest any Zoom `Retry-After` is honoured (token endpoint and API), in seconds. */
  readonly zoomRetryAfterCapSeconds!: number;
  /** Read-through cache of Zoom GETs; 0 turns it off. */
  readonly cacheTtlSeconds!: number;
  readonly authCheckIntervalSeconds!: number;
  readonly mintBudgetPerHour!: number;
  /** Mint ledger rows older than this are pruned. */
  readonly mintLedgerRetentionDays!: number;
  /** Received webhook events (deduplication records) older than this are pruned. */
  readonly webhookEventsRetentionDays!: number;
  /** How long a delivery to a subscriber is retried before it is `failed` (a dead letter). */
  readonly webhookRetryWindowSeconds!: number;
  /**
   * WEBHOOK_DESTINATIONS: the hosts app keys may subscribe webhook URLs on (name patterns, IPs,
   * CIDRs; `http://` before one also allows plain http). Empty: app keys may subscribe nowhere.
   */
  readonly webhookDestinations!: WebhookDestinations;
  /** `failed` meeting records (Zoom made nothing) older than this are pruned. */
  readonly failedMeetingsRetentionDays!: number;
  readonly reconcileIntervalSeconds!: number;
  readonly secretRotationIntervalHours?: number;
  readonly secretRotationOverlapMinutes!: number;
  readonly logLevel!: string;
  readonly dataDir!: string;
  readonly replicaId!: string;
  /** True when ZOOM_* credentials are absent and the built-in simulator stands in for Zoom. */
  readonly useEmbeddedSimulator!: boolean;
  readonly embeddedSimulatorPort!: number;
  /** After SIGTERM: the deadline for in-flight calls, counted from the end of the drain. */
  readonly shutdownTimeoutMs!: number;
  /**
   * SHUTDOWN_DRAIN_MS: after SIGTERM, how long the replica keeps serving (readiness failing,
   * every answer `Connection: close`) before it stops listening; 0 skips the drain.
   */
  readonly shutdownDrainMs!: number;
  /** REQUEST_BODY_IDLE_TIMEOUT_MS: the longest a caller's body may pause (no byte arriving). */
  readonly requestBodyIdleTimeoutMs!: number;
  /** REQUEST_BODY_TIMEOUT_MS: the longest a caller's body may take in all. */
  readonly requestBodyTimeoutMs!: number;
  /** MAX_INFLIGHT_PER_APP: calls one app may have in flight on this replica (beyond: local 429). */
  readonly maxInflightPerApp!: number;
  /** RETRY_BUFFER_BUDGET_MB: bytes this replica keeps, in all, to resend streamed bodies on the one retry. */
  readonly retryBufferBudgetBytes!: number;
  /** CONSOLE_OIDC_*: the console's OpenID Connect sign-in; unset: admin keys only. */
  readonly consoleOidc?: Readonly<ConsoleOidcConfig>;
}

/** Connections to Zoom's API per replica (ZoomHttpTransport's pool). */
export const UPSTREAM_CONNECTIONS = 256;

type Draft<T> = { -readonly [K in keyof T]: T[K] };

/** Freezes the object and every plain object or array inside it (a Buffer cannot be frozen). */
function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (typeof inner === 'object' && inner !== null && !ArrayBuffer.isView(inner))
      deepFreeze(inner);
  }
  return Object.freeze(value);
}

export interface LoadOptions {
  /** Defaults to 'server'; the CLI entry passes 'cli'. */
  role?: ProcessRole;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadOptions = {},
): AppConfig {
  const config: Draft<AppConfig> = new AppConfig();
  config.role = options.role ?? 'server';
  config.port = integer('PORT', env.PORT, 3000, 0, 65535);
  config.metricsToken = metricsToken(env.METRICS_TOKEN);
  const metricsPort = integer('METRICS_PORT', env.METRICS_PORT, 0, 0, 65535);
  if (metricsPort !== 0 && metricsPort === config.port)
    throw new ConfigError('METRICS_PORT', `must differ from PORT (${config.port})`);
  config.metricsPort = metricsPort === 0 ? undefined : metricsPort;
  config.host = env.HOST?.trim() || '0.0.0.0';
  config.database = database(env.DATABASE_URL);
  config.runMigrations = boolean('RUN_MIGRATIONS', env.RUN_MIGRATIONS, true);
  config.databaseQueryTimeoutMs = integer(
    'DATABASE_QUERY_TIMEOUT_MS',
    env.DATABASE_QUERY_TIMEOUT_MS,
    5_000,
    100,
    600_000,
  );
  config.databaseConnectTimeoutMs = integer(
    'DATABASE_CONNECT_TIMEOUT_MS',
    env.DATABASE_CONNECT_TIMEOUT_MS,
    3_000,
    100,
    600_000,
  );
  config.redis = redisConnection(env);
  config.redisUrl = config.redis?.mode === 'standalone' ? config.redis.url : undefined;
  config.redisKeyPrefix = redisKeyPrefix(env.REDIS_KEY_PREFIX, config.redis);
  config.zoomCredentials = zoomCredentials(env);
  config.useEmbeddedSimulator = config.zoomCredentials === undefined;
  // The production image must never answer callers from a local stand-in by accident.
  if (config.useEmbeddedSimulator && config.role === 'server' && env.NODE_ENV === 'production')
    throw new ConfigError(
      'ZOOM_ACCOUNT_ID',
      '(with ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET) is required when NODE_ENV=production, as in the image: without them the gateway would start the embedded Zoom simulator, which is for development only',
    );
  config.zoomOAuthBaseUrl = url('ZOOM_OAUTH_BASE_URL', env.ZOOM_OAUTH_BASE_URL, 'https://zoom.us', [
    'http',
    'https',
  ]);
  config.zoomApiBaseUrl = url(
    'ZOOM_API_BASE_URL',
    env.ZOOM_API_BASE_URL,
    'https://api.zoom.us/v2',
    ['http', 'https'],
  );
  config.zoomApiBaseUrlExplicit = Boolean(env.ZOOM_API_BASE_URL?.trim());
  config.zoomAppId = env.ZOOM_APP_ID?.trim() || undefined;
  config.webhookSecretToken = env.ZOOM_WEBHOOK_SECRET_TOKEN?.trim() || undefined;
  config.webhookAdoptCreated = boolean(
    'ZOOM_WEBHOOK_ADOPT_CREATED',
    env.ZOOM_WEBHOOK_ADOPT_CREATED,
    false,
  );
  config.apiKeys = [
    ...apiKeys('API_KEYS', env.API_KEYS, false),
    ...apiKeys('ADMIN_API_KEYS', env.ADMIN_API_KEYS, true),
  ];
  checkApps(config.apiKeys);
  config.encryptionKey = encryptionKey(env.ENCRYPTION_KEY);
  if (!config.encryptionKey && config.database.type === 'postgres') {
    throw new ConfigError(
      'ENCRYPTION_KEY',
      'is required with a postgres:// DATABASE_URL (openssl rand -base64 32)',
    );
  }
  config.rateLimitPlan = oneOf(
    'ZOOM_RATE_LIMIT_PLAN',
    env.ZOOM_RATE_LIMIT_PLAN,
    ['free', 'pro', 'business'],
    'pro',
  );
  config.zoomRateLimits = rateLimits(env.ZOOM_RATE_LIMITS);
  config.zoomAppWeights = appWeights(env.ZOOM_APP_WEIGHTS);
  config.zoomRetryAfterCapSeconds = integer(
    'ZOOM_RETRY_AFTER_CAP_SECONDS',
    env.ZOOM_RETRY_AFTER_CAP_SECONDS,
    60,
    1,
    86_400,
  );
  config.cacheTtlSeconds = integer('CACHE_TTL_SECONDS', env.CACHE_TTL_SECONDS, 30, 0, 86_400);
  config.authCheckIntervalSeconds = integer(
    'ZOOM_AUTH_CHECK_INTERVAL',
    env.ZOOM_AUTH_CHECK_INTERVAL,
    300,
    1,
    86_400,
  );
  config.mintBudgetPerHour = integer(
    'ZOOM_MINT_BUDGET_PER_HOUR',
    env.ZOOM_MINT_BUDGET_PER_HOUR,
    10,
    1,
    100_000,
  );
  config.mintLedgerRetentionDays = integer(
    'MINT_LEDGER_RETENTION_DAYS',
    env.MINT_LEDGER_RETENTION_DAYS,
    30,
    1,
    3_650,
  );
  config.webhookEventsRetentionDays = integer(
    'WEBHOOK_EVENTS_RETENTION_DAYS',
    env.WEBHOOK_EVENTS_RETENTION_DAYS,
    7,
    1,
    3_650,
  );
  config.webhookRetryWindowSeconds = integer(
    'WEBHOOK_RETRY_WINDOW_SECONDS',
    env.WEBHOOK_RETRY_WINDOW_SECONDS,
    86_400,
    10,
    7 * 86_400,
  );
  config.webhookDestinations = webhookDestinations(env.WEBHOOK_DESTINATIONS);
  config.failedMeetingsRetentionDays = integer(
    'FAILED_MEETINGS_RETENTION_DAYS',
    env.FAILED_MEETINGS_RETENTION_DAYS,
    30,
    1,
    3_650,
  );
  config.reconcileIntervalSeconds = integer(
    'RECONCILE_INTERVAL',
    env.RECONCILE_INTERVAL,
    900,
    1,
    604_800,
  );
  const rotationHours = integer(
    'ZOOM_SECRET_ROTATION_INTERVAL_HOURS',
    env.ZOOM_SECRET_ROTATION_INTERVAL_HOURS,
    0,
    0,
    87_600,
  );
  config.secretRotationIntervalHours = rotationHours > 0 ? rotationHours : undefined;
  config.secretRotationOverlapMinutes = integer(
    'ZOOM_SECRET_ROTATION_OVERLAP_MINUTES',
    env.ZOOM_SECRET_ROTATION_OVERLAP_MINUTES,
    10,
    0,
    10_080,
  );
  config.logLevel = oneOf('LOG_LEVEL', env.LOG_LEVEL, LOG_LEVELS, 'info');
  config.dataDir = env.DATA_DIR?.trim() || 'data';
  config.replicaId =
    env.REPLICA_ID?.trim() || `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  config.embeddedSimulatorPort = integer(
    'ZOOM_SIMULATOR_PORT',
    env.ZOOM_SIMULATOR_PORT,
    0,
    0,
    65535,
  );
  // The longest in-flight request: a pass-through call (60 s Zoom timeout), then its record
  // write (5 s query deadline), the webhook drain (5 s) and closing pools; queued waits end at once.
  config.shutdownTimeoutMs = integer(
    'SHUTDOWN_TIMEOUT_MS',
    env.SHUTDOWN_TIMEOUT_MS,
    75_000,
    0,
    600_000,
  );
  // Covers the orchestrator's last probe before SIGTERM (Kubernetes: readiness every 2 s, two
  // failures) and keep-alive clients learning to reconnect elsewhere; deploy/kubernetes agrees.
  config.shutdownDrainMs = integer('SHUTDOWN_DRAIN_MS', env.SHUTDOWN_DRAIN_MS, 5_000, 0, 300_000);
  // A body that stops for 10 s is stalled, not slow; one that takes over a minute in all is
  // longer than the pass-through's own 60 s deadline for the call it belongs to.
  config.requestBodyIdleTimeoutMs = integer(
    'REQUEST_BODY_IDLE_TIMEOUT_MS',
    env.REQUEST_BODY_IDLE_TIMEOUT_MS,
    10_000,
    100,
    600_000,
  );
  config.requestBodyTimeoutMs = integer(
    'REQUEST_BODY_TIMEOUT_MS',
    env.REQUEST_BODY_TIMEOUT_MS,
    60_000,
    100,
    3_600_000,
  );
  // A quarter of the upstream connections: one app alone can use many, but never so many
  // that the others find none (four apps at their cap still fit).
  config.maxInflightPerApp = integer(
    'MAX_INFLIGHT_PER_APP',
    env.MAX_INFLIGHT_PER_APP,
    UPSTREAM_CONNECTIONS / 4,
    1,
    100_000,
  );
  // A quarter of the manifests' 512 Mi: eight 8 MB retry copies at once.
  config.retryBufferBudgetBytes =
    integer('RETRY_BUFFER_BUDGET_MB', env.RETRY_BUFFER_BUDGET_MB, 64, 0, 65_536) * 1024 * 1024;
  config.consoleOidc = consoleOidc(env);
  return deepFreeze(config);
}

/** Values that start-up work provides after the environment has been read. */
export interface ProvisionedValues {
  /** The key generated into, or read from, the data directory (embedded default). */
  encryptionKey?: Buffer;
  /** Stand-in credentials when no ZOOM_* are set (the embedded simulator, or a CLI command that needs no Zoom). */
  zoomCredentials?: ZoomCredentialsConfig;
  /** Where the embedded simulator listens. */
  zoomOAuthBaseUrl?: string;
  zoomApiBaseUrl?: string;
}

/** A new frozen configuration: `config` with the values start-up provisioned. */
export function withProvisioned(config: AppConfig, values: ProvisionedValues): AppConfig {
  const defined = Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  );
  return deepFreeze(Object.assign(new AppConfig(), config, defined));
}

/** A bearer token Prometheus sends: at least 16 characters a header can carry, no spaces. */
function metricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^[\x21-\x7e]{16,512}$/.test(raw))
    throw new ConfigError('METRICS_TOKEN', 'must be 16 to 512 printable characters, no spaces');
  return raw;
}

function webhookDestinations(raw: string | undefined): WebhookDestinations {
  try {
    return parseWebhookDestinations(raw);
  } catch (error) {
    throw new ConfigError(
      'WEBHOOK_DESTINATIONS',
      error instanceof Error ? error.message : String(error),
    );
  }
}
