import { z } from 'zod';
import {
  ADMIN_GRANTS,
  DEFAULT_APP_GRANTS,
  formatGrants,
  GrantsSyntaxError,
  parseGrants,
} from './grants.js';
import type {
  ApiKeyEntry,
  DatabaseConfig,
  RateLimitOverrides,
  ZoomCredentialsConfig,
  ZoomRateCategory,
} from './app-config.js';

// The environment's values read one variable at a time: each parser names its variable when it
// refuses a value, so a bad setting stops the process with a message an operator can act on.

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

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function integer(
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

export function boolean(variable: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(variable, `must be true or false, got "${raw}"`);
}

export function url(
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

export function database(raw: string | undefined): DatabaseConfig {
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

export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `name:key` or `name[grants]:key`: a name never holds `[` or `:`, so the key may hold anything but `,` and spaces. */
export const KEY_ENTRY = /^([^[:]*)(?:\[([^\]]*)\])?:(.*)$/;

export function apiKeys(variable: string, raw: string | undefined, admin: boolean): ApiKeyEntry[] {
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
export function checkApps(entries: readonly ApiKeyEntry[]): void {
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

export function encryptionKey(raw: string | undefined): Buffer | undefined {
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

export function zoomCredentials(env: NodeJS.ProcessEnv): ZoomCredentialsConfig | undefined {
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

export function oneOf<T extends string>(
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

export const RATE_CATEGORIES: readonly ZoomRateCategory[] = [
  'light',
  'medium',
  'heavy',
  'resource_intensive',
];
const RATE_PRODUCTS = ['phone', 'contact_center'] as const;
/** Zoom's per-scope daily limits, for accounts where Zoom raised them. */
const DAILY_SCOPES = ['host_user', 'registrant', 'registrant_status'] as const;
const RATE_LIMITS_SYNTAX =
  '[product.]category=limit pairs (categories light, medium, heavy per second, resource_intensive per minute; products phone, contact_center; daily scopes host_user, registrant, registrant_status per day), e.g. light=120,resource_intensive=30/min,phone.heavy=20,host_user=200/day';

/**
 * `light=120,medium=80,heavy=50,resource_intensive=30/min,phone.heavy=20`: each bucket at most
 * once, each a positive whole number; `/s` or `/min` may say the unit, which must be the
 * category's own (Resource-intensive is counted per minute, the others per second).
 */
export function rateLimits(raw: string | undefined): RateLimitOverrides | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const limits: Record<string, number> = {};
  for (const entry of raw.split(',')) {
    const [name = '', value, extra] = entry.split('=').map((part) => part.trim().toLowerCase());
    const scope = DAILY_SCOPES.find((candidate) => candidate === name);
    if (scope !== undefined && value !== undefined && extra === undefined) {
      if (limits[scope] !== undefined)
        throw new ConfigError('ZOOM_RATE_LIMITS', `names ${scope} twice`);
      limits[scope] = integer('ZOOM_RATE_LIMITS', value.replace(/\/day$/, ''), 0, 1, 10_000_000);
      continue;
    }
    const dot = name.indexOf('.');
    const product = dot < 0 ? undefined : name.slice(0, dot);
    const category = RATE_CATEGORIES.find((c) => c === (dot < 0 ? name : name.slice(dot + 1)));
    const knownProduct =
      product === undefined || RATE_PRODUCTS.some((candidate) => candidate === product);
    if (!category || !knownProduct || value === undefined || extra !== undefined)
      throw new ConfigError('ZOOM_RATE_LIMITS', `must be ${RATE_LIMITS_SYNTAX}; got "${raw}"`);
    const unit = /\/(s|sec|second|min|minute)$/.exec(value)?.[1];
    const perMinute = unit === 'min' || unit === 'minute';
    if (unit !== undefined && perMinute !== (category === 'resource_intensive'))
      throw new ConfigError(
        'ZOOM_RATE_LIMITS',
        `${name} is counted per ${category === 'resource_intensive' ? 'minute' : 'second'}, got "${value}"`,
      );
    const bucket = product === undefined ? category : `${product}.${category}`;
    if (limits[bucket] !== undefined)
      throw new ConfigError('ZOOM_RATE_LIMITS', `names ${bucket} twice`);
    limits[bucket] = integer('ZOOM_RATE_LIMITS', value.replace(/\/.*$/, ''), 0, 1, 100_000);
  }
  return limits;
}

/** `billing=3,crm=1`: app names as in API_KEYS, each weight a whole number from 1 to 100. */
export function appWeights(raw: string | undefined): Record<string, number> {
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
