import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { loggableError } from '../common/errors/loggable-error.js';
import { redisBreakerOf } from '../coordination/redis-breaker.js';
import { REDIS, type RedisClient } from '../coordination/redis.provider.js';

const PING_TIMEOUT_MS = 1_000;

/**
 * Redis, when configured. Its loss does not make a replica unready: the gateway keeps serving
 * with in-process token, lease and rate limits (see LeaseService), so Redis down is `degraded`.
 * While the breaker is open, nothing here waits on Redis. Never a host, port or URL.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: RedisClient | null,
  ) {}

  get configured(): boolean {
    return this.redis !== null;
  }

  async check(key = 'redis') {
    const indicator = this.indicators.check(key);
    const redis = this.redis;
    if (!redis) return indicator.up({ mode: 'single-instance', message: 'no Redis configured' });
    const breaker = redisBreakerOf(redis)?.describe();
    if (redis.status !== 'ready') {
      return indicator.degraded({
        connection: redis.status,
        breaker,
        message: 'Redis is unreachable: this replica coordinates in-process until it returns',
      });
    }
    if (breaker?.state === 'open') {
      return indicator.degraded({
        connection: redis.status,
        breaker,
        message: `Redis stopped answering (${breaker.lastFailure ?? 'failure'}) at ${breaker.since}: this replica coordinates in-process and probes Redis in the background`,
      });
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const started = Date.now();
      await Promise.race([
        redis.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no PONG within ${PING_TIMEOUT_MS} ms`)),
            PING_TIMEOUT_MS,
          );
        }),
      ]);
      return indicator.up({ connection: redis.status, pingMs: Date.now() - started, breaker });
    } catch (error) {
      return indicator.degraded({
        connection: redis.status,
        breaker: redisBreakerOf(redis)?.describe(),
        message: `Redis did not answer PING (${loggableError(error, 'redis')}): coordinating in-process meanwhile`,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
