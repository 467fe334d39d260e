import { Logger, type Provider } from '@nestjs/common';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { loggableError } from '../common/errors/loggable-error.js';
import { AppConfig, type RedisConnection } from '../config/app-config.js';
import { guardRedisClient, redisBreakerOf } from './redis-breaker.js';

/** The shared Redis client, or null when the gateway runs as a single instance (no Redis configured). */
export const REDIS = Symbol('REDIS');
/** A second connection in subscriber mode for pub/sub (a subscribed connection cannot run commands). */
export const REDIS_SUBSCRIBER = Symbol('REDIS_SUBSCRIBER');

export type RedisClient = Redis | Cluster;

const logger = new Logger('Redis');

/**
 * A command's deadline. A hung Redis costs this once per replica; the breaker then refuses
 * commands at once until a background probe gets an answer. Not shorter: a replica busy with a
 * burst (its event loop reads replies late) must not take a slow answer for a hung server, or it
 * would coordinate, and mint, on its own while the fleet's Redis is fine.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1_500;

type ClientRole = 'commands' | 'subscriber';

/** Connection options shared by every mode; the subscriber keeps its offline queue. */
function connectionOptions(role: ClientRole): RedisOptions {
  return {
    // Fail fast while Redis is down so callers fall back to in-process coordination
    // instead of queueing behind a dead connection.
    enableOfflineQueue: role === 'subscriber',
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: role === 'subscriber' ? undefined : REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
  };
}

/**
 * A client for the configured Redis. Sentinel: ioredis asks the sentinels for the master and,
 * after a failover, reconnects to the promoted one. Cluster: commands go to the node owning the
 * slot (the gateway's keys share one, see redisKeyPrefix) and follow MOVED after a failover.
 */
export function createRedisClient(
  connection: RedisConnection | string,
  role: ClientRole,
): RedisClient {
  const target: RedisConnection =
    typeof connection === 'string' ? { mode: 'standalone', url: connection } : connection;
  const options = connectionOptions(role);
  let client: RedisClient;
  if (target.mode === 'standalone') client = new Redis(target.url, options);
  else if (target.mode === 'sentinel')
    client = new Redis({
      ...options,
      sentinels: target.sentinels,
      name: target.name,
      password: target.password,
      sentinelPassword: target.password,
      // Every sentinel unreachable: ask them all again, never give up.
      sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      // A master demoted while still reachable answers writes READONLY: reconnect, and the
      // sentinels name the new one. (No failoverDetector: its reconnect during a connect attempt
      // ends the client for good.)
      reconnectOnError: (error) => error.message.startsWith('READONLY'),
    });
  else
    client = new Cluster(target.nodes, {
      enableOfflineQueue: options.enableOfflineQueue,
      redisOptions: { ...options, password: target.password },
      clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      // A slot's new master is found by MOVED or a refreshed slot table, quickly.
      slotsRefreshTimeout: 1_000,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
    });
  let down = false;
  client.on('error', (error: Error) => {
    if (!down)
      logger.warn(
        `Redis (${role}) unavailable: ${loggableError(error, 'redis')}; falling back to in-process coordination`,
      );
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.log(`Redis (${role}) is back; fleet coordination resumed`);
    down = false;
  });
  // ioredis ends a client for good when a connect attempt is cut short (e.g. by Sentinel's
  // failover handling): unless someone closed it, connect it again, so state returns to Redis.
  const { quit, disconnect } = {
    quit: client.quit.bind(client),
    disconnect: client.disconnect.bind(client),
  };
  Object.assign(client, {
    quit: (...args: Parameters<typeof quit>) => {
      closing.add(client);
      return quit(...args);
    },
    disconnect: (reconnect?: boolean) => {
      if (!reconnect) closing.add(client);
      disconnect(reconnect);
    },
  });
  client.on('end', () => {
    if (closing.has(client)) return;
    setTimeout(() => {
      if (!closing.has(client) && client.status === 'end') client.connect().catch(() => undefined);
    }, 1_000).unref();
  });
  // The subscriber only listens; every command a caller waits on goes through the guarded one.
  if (role !== 'subscriber') guardRedisClient(client);
  return client;
}

const closing = new WeakSet<RedisClient>();

/** Closes a client for good (shutdown): quit, or disconnect when quit fails. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}

/**
 * The client once it is ready, or after REDIS_READY_WAIT_MS whatever its state: a Sentinel or
 * Cluster client needs a few round trips (master address, slot table) before its first command,
 * and a replica that served its first calls before that would mint a token of its own.
 */
async function whenReady(client: RedisClient): Promise<RedisClient> {
  if (client.status === 'ready') return client;
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    client.once('ready', resolve);
    timer = setTimeout(resolve, REDIS_READY_WAIT_MS);
  });
  clearTimeout(timer);
  return client;
}

/** The longest start-up waits for Redis: down, the replica starts coordinating in-process. */
const REDIS_READY_WAIT_MS = 3_000;

export const redisProviders: Provider[] = [
  {
    provide: REDIS,
    inject: [AppConfig],
    useFactory: async (config: AppConfig) =>
      config.redis ? whenReady(createRedisClient(config.redis, 'commands')) : null,
  },
  {
    provide: REDIS_SUBSCRIBER,
    inject: [AppConfig],
    useFactory: (config: AppConfig) =>
      config.redis ? createRedisClient(config.redis, 'subscriber') : null,
  },
];

/**
 * True when the client can run a command now: connected, ready, and its breaker closed. While
 * the breaker is open (Redis failed or hung) every user falls back to in-process coordination
 * at once, without awaiting Redis.
 */
export function redisReady(client: RedisClient | null): client is RedisClient {
  return client !== null && client.status === 'ready' && redisBreakerOf(client)?.open !== true;
}
