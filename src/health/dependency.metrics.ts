import { Inject, Injectable } from '@nestjs/common';
import { redisReady, REDIS, type RedisClient } from '../coordination/redis.provider.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { DatabaseHealthIndicator } from './database.health.js';

/** A scrape must not wait long on a frozen database: a second is "down" for the gauge. */
const SCRAPE_PING_TIMEOUT_MS = 1_000;
/**
 * One ping serves every scrape within this long: scrapes (anyone's, when /metrics is open) must
 * not turn into a database query each.
 */
const PING_REUSE_MS = 5_000;

/**
 * `zoom_gateway_dependency_up{dependency="database|redis"}`, set at scrape time: 1 when the
 * database answers SELECT 1 within a second, and when Redis is ready with its breaker closed.
 * No `redis` series without REDIS_URL (nothing to be down).
 */
@Injectable()
export class DependencyMetrics {
  /** The last ping, shared by the scrapes that follow it closely (concurrent ones too). */
  private ping: { at: number; up: Promise<boolean> } | undefined;

  constructor(
    metrics: MetricsService,
    database: DatabaseHealthIndicator,
    @Inject(REDIS) redis: RedisClient | null,
  ) {
    metrics.gauge(
      'zoom_gateway_dependency_up',
      'Whether this replica reaches a dependency now (1) or not (0): database, redis',
      ['dependency'],
      async (gauge) => {
        const now = Date.now();
        if (this.ping === undefined || now - this.ping.at > PING_REUSE_MS)
          this.ping = {
            at: now,
            up: database.ping(SCRAPE_PING_TIMEOUT_MS).then((db) => db.up),
          };
        gauge.set({ dependency: 'database' }, (await this.ping.up) ? 1 : 0);
        if (redis) gauge.set({ dependency: 'redis' }, redisReady(redis) ? 1 : 0);
      },
    );
  }
}
