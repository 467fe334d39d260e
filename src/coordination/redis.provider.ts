import { Logger, type Provider } from '@nestjs/common';
import { Redis } from 'ioredis';
import { loggableError } from '../common/errors/loggable-error.js';
import { AppConfig } from '../config/app-config.js';
import { guardRedisClient, redisBreakerOf } from './redis-breaker.js';

/** The shared Redis client, or null when the gateway runs as a single instance (no REDIS_URL). */
export const REDIS = Symbol('REDIS');
/** A second connection in subscriber mode for pub/sub (a subscribed connection cannot run commands). */
export const REDIS_SUBSCRIBER = Symbol('REDIS_SUBSCRIBER');

export type RedisClient = Redis;

const logger = new Logger('Redis');

/**
 * A command's deadline. A hung Redis costs this once per replica; the breaker then refuses
 * commands at once until a background probe gets an answer. Not shorter: a replica busy with a
 * burst (its event loop reads replies late) must not take a slow answer for a hung server, or it
 * would coordinate, and mint, on its own while the fleet's Redis is fine.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1_500;

export function createRedisClient(url: string, role: string): Redis {
  const client = new Redis(url, {
    // Fail fast while Redis is down so callers fall back to in-process coordination
    // instead of queueing behind a dead connection.
    enableOfflineQueue: role === 'subscriber',
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: role === 'subscriber' ? undefined : REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
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
  // The subscriber only listens; every command a caller waits on goes through the guarded one.
  if (role !== 'subscriber') guardRedisClient(client);
  return client;
}

export const redisProviders: Provider[] = [
  {
    provide: REDIS,
    inject: [AppConfig],
    useFactory: (config: AppConfig) =>
      config.redisUrl ? createRedisClient(config.redisUrl, 'commands') : null,
  },
  {
    provide: REDIS_SUBSCRIBER,
    inject: [AppConfig],
    useFactory: (config: AppConfig) =>
      config.redisUrl ? createRedisClient(config.redisUrl, 'subscriber') : null,
  },
];

/**
 * True when the client can run a command now: connected, ready, and its breaker closed. While
 * the breaker is open (Redis failed or hung) every user falls back to in-process coordination
 * at once, without awaiting Redis.
 */
export function redisReady(client: Redis | null): client is Redis {
  return client !== null && client.status === 'ready' && redisBreakerOf(client)?.open !== true;
}
