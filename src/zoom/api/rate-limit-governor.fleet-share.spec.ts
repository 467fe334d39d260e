import { Redis } from 'ioredis';
import { Clock } from '../../common/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { FleetSize } from '../../coordination/fleet-size.js';
import { JobsService } from '../../coordination/jobs.service.js';
import { LeaseService } from '../../coordination/lease.service.js';
import { PubSubService } from '../../coordination/pubsub.service.js';
import { ShutdownSignal } from '../../common/shutdown-signal.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { createRedisNamespace } from '../../../test/support/services.js';
import { DailyBlocks } from './daily-blocks.js';
import { DailyLimits } from './daily-limits.js';
import { RateLimitGovernor } from './rate-limit-governor.js';
import { RateLimits } from './rate-limits.js';
import type { ZoomRequest, ZoomResponse } from './zoom-api.types.js';

// Medium on the business plan: 60 calls a second for the account.
const medium: ZoomRequest = { method: 'GET', path: '/users', route: 'GET /users' };
const ok: ZoomResponse = { status: 200, data: {}, headers: {} };

/** How many of `count` calls started at once go within the first second. */
async function firstSecond(governor: RateLimitGovernor, count: number): Promise<number> {
  const started = Date.now();
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: count }, () =>
      governor.run(medium, async () => (times.push(Date.now() - started), ok)),
    ),
  );
  return times.filter((t) => t < 900).length;
}

describe('RateLimitGovernor while the fleet Redis is away', () => {
  let namespace: Awaited<ReturnType<typeof createRedisNamespace>>;

  beforeAll(async () => {
    namespace = await createRedisNamespace();
  });

  afterAll(() => namespace.cleanup());

  /** A fleet replica whose Redis connection is gone, after it saw `replicas` in the fleet. */
  async function replicaWithoutRedis(replicas: number): Promise<RateLimitGovernor> {
    const config = Object.assign(new AppConfig(), {
      rateLimitPlan: 'business',
      zoomAppWeights: {},
      redisKeyPrefix: `${namespace.prefix}share:`,
      replicaId: 'replica-share',
      role: 'server',
    });
    const redis = new Redis(namespace.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    await redis.connect();
    const clock = new Clock();
    const pubsub = new PubSubService(null, null, config);
    const jobs = new JobsService(config, new LeaseService(null, config, clock));
    const limits = new RateLimits(config, null, pubsub);
    const blocks = new DailyBlocks(config, clock, null, pubsub, jobs);
    jobs.onModuleDestroy();
    const metrics = new MetricsService();
    const daily = new DailyLimits(config, clock, null, blocks, metrics, pubsub);
    const size = new FleetSize();
    size.seen(replicas);
    const governor = new RateLimitGovernor(
      config,
      clock,
      redis,
      metrics,
      limits,
      daily,
      new ShutdownSignal(),
      size,
    );
    // Redis gone: the governor paces in-process from now on.
    redis.disconnect();
    return governor;
  }

  it('paces each replica to its share of the limit: limit ÷ replicas last seen alive', async () => {
    await expect(firstSecond(await replicaWithoutRedis(4), 20)).resolves.toBe(15);
  });

  it('gives a replica alone the whole limit', async () => {
    await expect(firstSecond(await replicaWithoutRedis(1), 70)).resolves.toBe(60);
  });
});

describe('DailyLimits while the fleet Redis is away', () => {
  let namespace: Awaited<ReturnType<typeof createRedisNamespace>>;

  beforeAll(async () => {
    namespace = await createRedisNamespace();
  });

  afterAll(() => namespace.cleanup());

  it('refuses at its share of what was left of the cap when Redis went away', async () => {
    const config = Object.assign(new AppConfig(), {
      rateLimitPlan: 'business',
      redisKeyPrefix: `${namespace.prefix}daily:`,
      replicaId: 'replica-daily',
      role: 'server',
    });
    const redis = new Redis(namespace.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    await redis.connect();
    const clock = new Clock();
    const pubsub = new PubSubService(null, null, config);
    const jobs = new JobsService(config, new LeaseService(null, config, clock));
    const blocks = new DailyBlocks(config, clock, null, pubsub, jobs);
    jobs.onModuleDestroy();
    const size = new FleetSize();
    size.seen(3);
    const daily = new DailyLimits(config, clock, redis, blocks, new MetricsService(), pubsub, size);
    const spend = { scope: 'host:h1', cap: 100, refundable: true, label: 'creates of h1' };
    // The fleet spent 40 of 100 through Redis; then Redis goes away with 3 replicas seen.
    for (let i = 0; i < 40; i++) await daily.take([spend]);
    redis.disconnect();
    // 60 were left: this replica's share is 20.
    for (let i = 0; i < 20; i++) await daily.take([spend]);
    await expect(daily.take([spend])).rejects.toThrow(/daily limit/);
  });
});
