import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Clock } from '../common/clock.js';
import { JobsService } from './jobs.service.js';
import { LeaseService } from './lease.service.js';
import { PubSubService } from './pubsub.service.js';
import { redisBreakerOf } from './redis-breaker.js';
import { REDIS, REDIS_SUBSCRIBER, type RedisClient, redisProviders } from './redis.provider.js';

/**
 * Shared state for a fleet: Redis when REDIS_URL is set, in-process equivalents otherwise; and
 * the scheduled jobs, which lean on the lease. Global: every feature module injects these.
 */
@Global()
@Module({
  providers: [...redisProviders, Clock, LeaseService, PubSubService, JobsService],
  exports: [REDIS, REDIS_SUBSCRIBER, Clock, LeaseService, PubSubService, JobsService],
})
export class CoordinationModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Coordination');

  constructor(
    private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient | null,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: RedisClient | null,
  ) {}

  onModuleInit(): void {
    if (this.config.redisUrl) {
      this.logger.log(
        `Fleet mode: token, lease, rate limits and scheduler leadership shared through Redis`,
      );
    } else {
      this.logger.warn(
        'Single-instance mode: no REDIS_URL, so token, lock and rate limits live in this process. ' +
          'Do not run more than one replica like this; set REDIS_URL for a fleet.',
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    redisBreakerOf(this.redis)?.stop();
    for (const client of [this.redis, this.subscriber]) {
      if (client) await client.quit().catch(() => client.disconnect());
    }
  }
}
