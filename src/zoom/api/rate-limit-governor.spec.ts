import { Redis } from 'ioredis';
import { Clock } from '../../common/clock.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { createRedisNamespace } from '../../../test/support/services.js';
import { RateLimitGovernor, resetTime } from './rate-limit-governor.js';
import type { ZoomRequest, ZoomResponse } from './zoom-api.types.js';

const heavy: ZoomRequest = {
  method: 'GET',
  path: '/report',
  category: 'heavy',
  route: 'GET /report',
};
const create = (user: string): ZoomRequest => ({
  method: 'POST',
  path: `/users/${user}/meetings`,
  category: 'medium',
  dailyLimitUser: user,
  route: 'POST /users/:userId/meetings',
});
const ok: ZoomResponse = { status: 200, data: {}, headers: {} };
const qps429: ZoomResponse = {
  status: 429,
  data: {
    code: 429,
    message: 'You have reached the maximum per-second rate limit for this API. Try again later.',
  },
  headers: {
    'x-ratelimit-type': 'QPS',
    'x-ratelimit-category': 'Heavy',
    'x-ratelimit-limit': '10',
  },
};

const attempt = async (): Promise<ZoomResponse> => ok;

async function refusal(run: Promise<unknown>): Promise<DomainError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError))
    throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}

describe(RateLimitGovernor.name, () => {
  let namespace: Awaited<ReturnType<typeof createRedisNamespace>>;
  const clients: Redis[] = [];

  function governor(withRedis = true, plan: AppConfig['rateLimitPlan'] = 'pro'): RateLimitGovernor {
    const config = Object.assign(new AppConfig(), {
      rateLimitPlan: plan,
      redisKeyPrefix: namespace.prefix,
    });
    const redis = withRedis ? new Redis(namespace.url, { maxRetriesPerRequest: 1 }) : null;
    if (redis) clients.push(redis);
    return new RateLimitGovernor(config, new Clock(), redis, new MetricsService());
  }

  /** A governor whose Redis connection is up (the governor paces in-process until it is). */
  async function ready(g: RateLimitGovernor): Promise<RateLimitGovernor> {
    const redis = clients.at(-1);
    if (redis && redis.status !== 'ready') await new Promise((done) => redis.once('ready', done));
    return g;
  }

  beforeAll(async () => {
    namespace = await createRedisNamespace();
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await namespace.cleanup();
  });

  it('spaces a burst evenly across two replicas sharing Redis', async () => {
    const [a, b] = [await ready(governor()), await ready(governor())];
    const times: number[] = [];
    const timed = async () => {
      times.push(Date.now());
      return ok;
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).run(heavy, timed)));
    times.sort((x, y) => x - y);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // Heavy on pro is 10/s: one call per 110 ms (10% margin), whichever replica makes it.
    await expect(Promise.resolve(Math.min(...gaps))).resolves.toBeGreaterThanOrEqual(95);
    await expect(Promise.resolve((times.at(-1) ?? 0) - times[0])).resolves.toBeGreaterThanOrEqual(
      7 * 100,
    );
  });

  it('paces in-process when there is no Redis', async () => {
    const g = governor(false);
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, () => g.run(heavy, async () => (times.push(Date.now()), ok))),
    );
    await expect(
      Promise.resolve(Math.max(...times) - Math.min(...times)),
    ).resolves.toBeGreaterThanOrEqual(300);
  });

  it('retries a per-second 429 from Zoom in the next second and answers the retry', async () => {
    const g = await ready(governor());
    const answers = [qps429, ok];
    const times: number[] = [];
    const response = await g.run(heavy, async () => (times.push(Date.now()), answers.shift()!));
    await expect(Promise.resolve(response.status)).resolves.toBe(200);
    await expect(Promise.resolve(times.length)).resolves.toBe(2);
    // The retry waits for Zoom's next clock second.
    await expect(Promise.resolve(Math.floor(times[1] / 1000))).resolves.toBeGreaterThan(
      Math.floor(times[0] / 1000),
    );
  });

  it('refuses further creates for a user after Zoom reported its daily limit, on every replica, until the reset', async () => {
    const [a, b] = [await ready(governor()), await ready(governor())];
    const reset = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const capped: ZoomResponse = {
      status: 429,
      data: {
        code: 429,
        message:
          'You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user.',
      },
      headers: {
        'x-ratelimit-type': 'Daily-limit',
        'x-ratelimit-category': 'Medium',
        'retry-after': reset,
      },
    };
    const first = await a.run(create('capped@example.com'), async () => capped);
    await expect(Promise.resolve(first.status)).resolves.toBe(429);

    let calls = 0;
    const error = await refusal(b.run(create('Capped@example.com'), async () => (calls++, ok)));
    await expect(Promise.resolve([error.status, error.code])).resolves.toEqual([
      429,
      ErrorCode.DailyLimitReached,
    ]);
    const retryAfter = Number(error.options.headers?.['Retry-After']);
    await expect(Promise.resolve(retryAfter)).resolves.toBeGreaterThan(3500);
    await expect(Promise.resolve(retryAfter)).resolves.toBeLessThanOrEqual(3600);
    await expect(
      b.run(create('someone-else@example.com'), async () => (calls++, ok)),
    ).resolves.toMatchObject({ status: 200 });
    await expect(Promise.resolve(calls)).resolves.toBe(1);
  });

  it('paces to a lower per-second limit Zoom reports in X-RateLimit-Limit', async () => {
    const [a, b] = [await ready(governor()), await ready(governor())];
    const light: ZoomRequest = { ...heavy, category: 'light' };
    const answers = [
      {
        ...qps429,
        headers: { ...qps429.headers, 'x-ratelimit-category': 'Light', 'x-ratelimit-limit': '4' },
      },
    ];
    await a.run(light, async () => answers.shift() ?? ok);
    await new Promise((r) => setTimeout(r, 50)); // the learned limit is written to Redis in the background
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 3 }, () => b.run(light, async () => (times.push(Date.now()), ok))),
    );
    // 4/s with the 10% margin: 275 ms apart (30/s would be 37 ms).
    await expect(
      Promise.resolve(Math.max(...times) - Math.min(...times)),
    ).resolves.toBeGreaterThanOrEqual(2 * 260);
  });

  it('answers 429 with Retry-After at once when the line is longer than the bounded wait', async () => {
    const g = governor(false, 'free'); // Heavy on free: 1/s, so 15 s of line holds 14 calls
    for (let i = 0; i < 14; i++) void g.run(heavy, attempt);
    const started = Date.now();
    const refused = await refusal(g.run(heavy, attempt));
    await expect(Promise.resolve([refused.status, refused.code])).resolves.toEqual([
      429,
      ErrorCode.RateLimited,
    ]);
    await expect(
      Promise.resolve(Number(refused.options.headers?.['Retry-After'])),
    ).resolves.toBeGreaterThanOrEqual(1);
    await expect(Promise.resolve(Date.now() - started)).resolves.toBeLessThan(100);
  });

  it('reads Zoom daily Retry-After as a date or seconds, else the next UTC midnight', async () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0);
    await expect(Promise.resolve(resetTime('2030-01-02T00:00:00Z', now))).resolves.toBe(
      Date.UTC(2030, 0, 2),
    );
    await expect(Promise.resolve(resetTime('120', now))).resolves.toBe(now + 120_000);
    await expect(Promise.resolve(resetTime('garbage', now))).resolves.toBe(Date.UTC(2030, 0, 2));
    await expect(Promise.resolve(resetTime(undefined, now))).resolves.toBe(Date.UTC(2030, 0, 2));
  });
});
