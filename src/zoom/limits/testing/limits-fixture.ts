import { FakeClock } from '../../../common/testing/fake-clock.js';
import { AppConfig, type RateLimitPlan } from '../../../config/app-config.js';
import { JobsService } from '../../../coordination/jobs.service.js';
import { LeaseService } from '../../../coordination/lease.service.js';
import { PubSubService } from '../../../coordination/pubsub.service.js';
import { MetricsService } from '../../../metrics/metrics.service.js';
import { DailyBlocks } from '../../api/daily-blocks.js';
import { DailyLimits } from '../../api/daily-limits.js';
import { RateLimits } from '../../api/rate-limits.js';

/** The real daily-limit services of one replica without Redis (in-process counts and blocks). */
export function limitsFixture(
  options: { plan?: RateLimitPlan; limits?: AppConfig['zoomRateLimits'] } = {},
) {
  const config = Object.assign(new AppConfig(), {
    rateLimitPlan: options.plan ?? 'pro',
    zoomRateLimits: options.limits,
    redisKeyPrefix: 'test:',
    replicaId: 'replica-1',
    role: 'server',
  });
  const clock = new FakeClock(Date.UTC(2026, 11, 6, 15, 30));
  const pubsub = new PubSubService(null, null, config);
  const jobs = new JobsService(config, new LeaseService(null, config, clock));
  const limits = new RateLimits(config, null, pubsub);
  const blocks = new DailyBlocks(config, clock, null, pubsub, jobs);
  const daily = new DailyLimits(config, clock, null, blocks, new MetricsService(), pubsub);
  /** Spends `count` of a daily scope today, as calls would. */
  const spend = async (scope: string, count: number) => {
    for (let i = 0; i < count; i++)
      await daily.take([{ scope, cap: 1_000_000, refundable: false, label: scope }]);
  };
  return { config, clock, limits, blocks, daily, spend };
}
