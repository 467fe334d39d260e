import { ConfigError, url } from './env-parsers.js';

/** A Sentinel or Cluster node as `host:port`. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * How the fleet reaches Redis: one server (REDIS_URL), a Sentinel-managed master
 * (REDIS_SENTINELS + REDIS_SENTINEL_NAME) or a Redis Cluster (REDIS_CLUSTER_NODES).
 */
export type RedisConnection =
  | { mode: 'standalone'; url: string }
  | { mode: 'sentinel'; sentinels: RedisNode[]; name: string; password?: string }
  | { mode: 'cluster'; nodes: RedisNode[]; password?: string };

/**
 * The Redis connection the environment names, or undefined (single instance). At most one of
 * REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES; REDIS_PASSWORD is for the last two
 * (REDIS_URL carries its own).
 */
export function redisConnection(env: NodeJS.ProcessEnv): RedisConnection | undefined {
  const given = (['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const).filter((name) =>
    Boolean(env[name]?.trim()),
  );
  if (given.length > 1)
    throw new ConfigError(given[1] ?? 'REDIS_URL', `cannot be set with ${given[0]}: choose one`);
  const password = env.REDIS_PASSWORD || undefined;
  if (env.REDIS_URL?.trim())
    return { mode: 'standalone', url: url('REDIS_URL', env.REDIS_URL, '', ['redis', 'rediss']) };
  if (env.REDIS_SENTINELS?.trim()) {
    const name = env.REDIS_SENTINEL_NAME?.trim();
    if (!name)
      throw new ConfigError(
        'REDIS_SENTINEL_NAME',
        'is required with REDIS_SENTINELS (e.g. mymaster)',
      );
    return {
      mode: 'sentinel',
      sentinels: nodes('REDIS_SENTINELS', env.REDIS_SENTINELS),
      name,
      password,
    };
  }
  if (env.REDIS_CLUSTER_NODES?.trim())
    return {
      mode: 'cluster',
      nodes: nodes('REDIS_CLUSTER_NODES', env.REDIS_CLUSTER_NODES),
      password,
    };
  if (env.REDIS_SENTINEL_NAME?.trim())
    throw new ConfigError('REDIS_SENTINEL_NAME', 'needs REDIS_SENTINELS');
  return undefined;
}

/**
 * The key prefix: in cluster mode wrapped in a hash tag (`{zoom-gateway}:`), so every key the
 * gateway writes hashes to one slot and its scripts and multi-key commands stay legal there.
 */
export function redisKeyPrefix(
  raw: string | undefined,
  connection: RedisConnection | undefined,
): string {
  const prefix = raw?.trim() || 'zoom-gateway:';
  if (connection?.mode !== 'cluster' || /\{[^}]+\}/.test(prefix)) return prefix;
  const name = prefix.replace(/:+$/, '');
  return `{${name}}:`;
}

function nodes(variable: string, raw: string): RedisNode[] {
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^([A-Za-z0-9.\-_]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(entry);
      const port = Number(match?.[2]);
      if (!match?.[1] || !(port >= 1 && port <= 65535))
        throw new ConfigError(
          variable,
          `must be host:port pairs separated by commas, got "${entry}"`,
        );
      return { host: match[1].replace(/^\[|\]$/g, ''), port };
    });
}
