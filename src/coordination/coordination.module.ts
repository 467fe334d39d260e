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
import { FleetSize } from './fleet-size.js';
import { JobsService } from './jobs.service.js';
import { LeaseService } from './lease.service.js';
import { PubSubService } from './pubsub.service.js';
import { redisBreakerOf } from './redis-breaker.js';
import {
  closeRedisClient,
  REDIS,
  REDIS_SUBSCRIBER,
  type RedisClient,
  redisProviders,
} from './redis.provider.js';

/**
 * Shared state for a fleet: Redis when one is configured, in-process equivalents otherwise; and
 * the scheduled jobs, which lean on the lease. Global: every feature module injects these.
 */
@Global()
@Module({
  providers: [...redisProviders, Clock, LeaseService, PubSubService, JobsService, FleetSize],
  exports: [REDIS, REDIS_SUBSCRIBER, Clock, LeaseService, PubSubService, JobsService, FleetSize],
})
export class CoordinationModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Coordination');

  constructor(
    private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient | null,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: RedisClient | null,
  ) {}

  onModuleInit(): void {
    if (this.config.redis) {
      this.logger.log(
        `Fleet mode: token, lease, rate limits and scheduler leadership shared through Redis`,
      );
    } else {
      this.logger.warn(
        'Single-instance mode: no Redis (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES), so token, lock and rate limits live in this process. ' +
          'Do not run more than one replica like this; configure Redis for a fleet.',
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    redisBreakerOf(this.redis)?.stop();
    for (const client of [this.redis, this.subscriber]) {
      if (client) await closeRedisClient(client);
    }
  }
}
