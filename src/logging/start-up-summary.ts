import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config/app-config.js';

/** The gateway's version, from its package.json (beside `dist/` in the image and the checkout). */
export function gatewayVersion(): string {
  try {
    const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'version' in parsed)
      return String(parsed.version);
  } catch {
    // A copy without its package.json still starts.
  }
  return 'unknown';
}

/** Where a database is, never with its credentials: SQLite's file, PostgreSQL's host and name. */
function databaseOf(config: AppConfig): string {
  const database = config.database;
  if (database.type === 'sqlite') return `SQLite ${database.path}`;
  try {
    const url = new URL(database.url);
    return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

function redisOf(config: AppConfig): string {
  const redis = config.redis;
  if (!redis) return 'none (single instance: one replica only)';
  if (redis.mode === 'standalone') {
    try {
      const url = new URL(redis.url);
      return `standalone ${url.hostname}:${url.port || '6379'}`;
    } catch {
      return 'standalone';
    }
  }
  if (redis.mode === 'sentinel')
    return `Sentinel (${redis.sentinels.length} sentinels, master "${redis.name}")`;
  return `Cluster (${redis.nodes.length} seed nodes)`;
}

/** What a person reads at start-up, in a few lines: version and address, then where everything is. */
export function startUpSummary(config: AppConfig, url: string, simulatorUrl?: string): string[] {
  const zoom = simulatorUrl
    ? `embedded simulator on ${simulatorUrl} (not real Zoom)`
    : `${config.zoomApiBaseUrl} (account ${config.zoomCredentials?.accountId ?? 'unset'})`;
  return [
    `zoom-gateway ${gatewayVersion()} listening on ${url} (replica ${config.replicaId}); docs at ${url}/docs`,
    `database: ${databaseOf(config)}; Redis: ${redisOf(config)}; Zoom: ${zoom}`,
  ];
}
