import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import {
  ADMIN_GRANTS,
  DEFAULT_APP_GRANTS,
  formatGrants,
  type Grants,
  GrantsSyntaxError,
  parseGrants,
} from '../auth/grants.js';

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

export type ZoomRateCategory = 'light' | 'medium' | 'heavy';

/** Requests per second per category, for accounts whose limits Zoom raised; unnamed categories keep the plan's. */
export type RateLimitOverrides = Readonly<Partial<Record<ZoomRateCategory, number>>>;

/**
 * Frozen once loaded (deeply: nested objects too). A value known only after start-up work
 * (the generated encryption key, the embedded simulator's address) enters through
 * `withProvisioned`, which returns a new frozen configuration; nothing is mutated.
 */
export class AppConfig {
  readonly role!: ProcessRole;
  readonly port!: number;
  readonly host!: string;
  readonly database!: DatabaseConfig;
  readonly runMigrations!: boolean;
  /** Client-side deadline of one PostgreSQL query (pg `query_timeout` and `statement_timeout`). */
  readonly databaseQueryTimeoutMs!: number;
  /** How long a request waits for a PostgreSQL connection from the pool (`connectionTimeoutMillis`). */
  readonly databaseConnectTimeoutMs!: number;
  readonly redisUrl?: string;
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
  readonly reconcileIntervalSeconds!: number;
  readonly secretRotationIntervalHours?: number;
  readonly secretRotationOverlapMinutes!: number;
  readonly logLevel!: string;
  readonly dataDir!: string;
  readonly replicaId!: string;
  /** True when ZOOM_* credentials are absent and the built-in simulator stands in for Zoom. */
  readonly useEmbeddedSimulator!: boolean;
  readonly embeddedSimulatorPort!: number;
  readonly shutdownTimeoutMs!: number;
}

type Draft<T> = { -readonly [K in keyof T]: T[K] };

/** Freezes the object and every plain object or array inside it (a Buffer cannot be frozen). */
function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (typeof inner === 'object' && inner !== null && !ArrayBuffer.isView(inner))
      deepFreeze(inner);
  }
  return Object.freeze(value);
}

/** Thrown for a bad environment value; the message names the variable and never echoes a secret. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function integer(
  variable: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim()))
    throw new ConfigError(variable, `must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max)
    throw new ConfigError(variable, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(variable: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(variable, `must be true or false, got "${raw}"`);
}

function url(
  variable: string,
  raw: string | undefined,
  fallback: string,
  protocols: string[],
): string {
  const value = raw?.trim() || fallback;
  const parsed = z.url().safeParse(value);
  if (!parsed.success || !protocols.some((p) => value.startsWith(`${p}://`))) {
    throw new ConfigError(variable, `must be a ${protocols.join(' or ')} URL`);
  }
  return value.replace(/\/+$/, '');
}

function database(raw: string | undefined): DatabaseConfig {
  const value = raw?.trim() || 'sqlite:data/zoom-gateway.sqlite';
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path)
      throw new ConfigError(
        'DATABASE_URL',
        'sqlite: needs a file path, e.g. sqlite:data/zoom-gateway.sqlite',
      );
    return { type: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    if (!URL.canParse(value))
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    return { type: 'postgres', url: value };
  }
  throw new ConfigError('DATABASE_URL', 'must start with sqlite: or postgres://');
}

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `name:key` or `name[grants]:key`: a name never holds `[` or `:`, so the key may hold anything but `,` and spaces. */
const KEY_ENTRY = /^([^[:]*)(?:\[([^\]]*)\])?:(.*)$/;

function apiKeys(variable: string, raw: string | undefined, admin: boolean): ApiKeyEntry[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((entry, index) => {
    const match = KEY_ENTRY.exec(entry.trim());
    const name = match?.[1] ?? '';
    const key = match?.[3] ?? '';
    if (!KEY_NAME.test(name) || key.length < 16 || /\s/.test(key)) {
      throw new ConfigError(
        variable,
        `entry ${index + 1} must be name:key or name[grants]:key (name of letters, digits, . _ -; key of at least 16 characters without spaces)`,
      );
    }
    const text = match?.[2];
    let grants = admin ? ADMIN_GRANTS : DEFAULT_APP_GRANTS;
    if (text !== undefined) {
      try {
        grants = parseGrants(text, { admin });
      } catch (error) {
        if (!(error instanceof GrantsSyntaxError)) throw error;
        throw new ConfigError(variable, `entry ${index + 1} (${name}): ${error.message}`);
      }
    }
    return { name, key, admin, grants };
  });
}

/** One app per name: the same name may come twice in one variable (rotation overlap) with the same grants. */
function checkApps(entries: readonly ApiKeyEntry[]): void {
  const seen = new Map<string, ApiKeyEntry>();
  for (const entry of entries) {
    const variable = entry.admin ? 'ADMIN_API_KEYS' : 'API_KEYS';
    const earlier = seen.get(entry.name);
    if (earlier && earlier.admin !== entry.admin)
      throw new ConfigError(variable, `names the key "${entry.name}" twice`);
    if (earlier && formatGrants(earlier.grants) !== formatGrants(entry.grants))
      throw new ConfigError(
        variable,
        `gives the app "${entry.name}" two different grants; its keys share one set`,
      );
    if (earlier?.key === entry.key)
      throw new ConfigError(variable, `names the key "${entry.name}" twice`);
    seen.set(entry.name, entry);
  }
}

function encryptionKey(raw: string | undefined): Buffer | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = raw.trim();
  const decoded = Buffer.from(value, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || decoded.length !== 32) {
    throw new ConfigError(
      'ENCRYPTION_KEY',
      'must be 32 bytes encoded as base64 (openssl rand -base64 32)',
    );
  }
  return decoded;
}

function zoomCredentials(env: NodeJS.ProcessEnv): ZoomCredentialsConfig | undefined {
  const names = ['ZOOM_ACCOUNT_ID', 'ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET'] as const;
  const present = names.filter((n) => env[n]?.trim());
  if (present.length === 0) return undefined;
  const missing = names.find((n) => !env[n]?.trim());
  if (missing) throw new ConfigError(missing, `must be set together with ${present.join(', ')}`);
  return {
    accountId: env.ZOOM_ACCOUNT_ID!.trim(),
    clientId: env.ZOOM_CLIENT_ID!.trim(),
    clientSecret: env.ZOOM_CLIENT_SECRET!.trim(),
  };
}

function oneOf<T extends string>(
  variable: string,
  raw: string | undefined,
  values: readonly T[],
  fallback: T,
): T {
  const value = (raw?.trim() || fallback).toLowerCase();
  const match = values.find((candidate) => candidate === value);
  if (match === undefined)
    throw new ConfigError(variable, `must be one of ${values.join(', ')}, got "${raw}"`);
  return match;
}

const RATE_CATEGORIES: readonly ZoomRateCategory[] = ['light', 'medium', 'heavy'];

/** `light=120,medium=80,heavy=50`: each category at most once, each a positive whole number. */
function rateLimits(raw: string | undefined): RateLimitOverrides | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const limits: Partial<Record<ZoomRateCategory, number>> = {};
  for (const entry of raw.split(',')) {
    const [name, value, extra] = entry.split('=').map((part) => part.trim());
    const category = RATE_CATEGORIES.find((candidate) => candidate === name?.toLowerCase());
    if (!category || value === undefined || extra !== undefined)
      throw new ConfigError(
        'ZOOM_RATE_LIMITS',
        `must be category=limit pairs of light, medium, heavy (e.g. light=120,medium=80,heavy=50), got "${raw}"`,
      );
    if (limits[category] !== undefined)
      throw new ConfigError('ZOOM_RATE_LIMITS', `names ${category} twice`);
    limits[category] = integer('ZOOM_RATE_LIMITS', value, 0, 1, 100_000);
  }
  return limits;
}

/** `billing=3,crm=1`: app names as in API_KEYS, each weight a whole number from 1 to 100. */
function appWeights(raw: string | undefined): Record<string, number> {
  const weights: Record<string, number> = {};
  if (raw === undefined || raw.trim() === '') return weights;
  for (const entry of raw.split(',')) {
    const [name, value, extra] = entry.split('=').map((part) => part.trim());
    if (!name || !/^[\w.-]{1,64}$/.test(name) || value === undefined || extra !== undefined)
      throw new ConfigError(
        'ZOOM_APP_WEIGHTS',
        `must be app=weight pairs (e.g. billing=3,crm=1), got "${raw}"`,
      );
    if (Object.hasOwn(weights, name))
      throw new ConfigError('ZOOM_APP_WEIGHTS', `names ${name} twice`);
    weights[name] = integer('ZOOM_APP_WEIGHTS', value, 1, 1, 100);
  }
  return weights;
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
  config.redisUrl = env.REDIS_URL?.trim()
    ? url('REDIS_URL', env.REDIS_URL, '', ['redis', 'rediss'])
    : undefined;
  config.redisKeyPrefix = env.REDIS_KEY_PREFIX?.trim() || 'zoom-gateway:';
  config.zoomCredentials = zoomCredentials(env);
  config.useEmbeddedSimulator = config.zoomCredentials === undefined;
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
