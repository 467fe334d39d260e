import { Redis } from 'ioredis';
import { Clock } from '../../common/clock.js';
import { FakeClock } from '../../common/testing/fake-clock.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { AppConfig } from '../../config/app-config.js';
import { JobsService } from '../../coordination/jobs.service.js';
import { LeaseService } from '../../coordination/lease.service.js';
import { PubSubService } from '../../coordination/pubsub.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { createRedisNamespace } from '../../../test/support/services.js';
import { DailyBlocks } from './daily-blocks.js';
import { DailyLimits } from './daily-limits.js';
import { RateLimitGovernor, resetTime } from './rate-limit-governor.js';
import { RateLimits } from './rate-limits.js';
import { SlotLeases } from './slot-leases.js';
import type { ZoomRequest, ZoomResponse } from './zoom-api.types.js';

// Categories come from Zoom's reference (route-table/): each request below is one of its labels.
const heavy: ZoomRequest = { method: 'GET', path: '/report/daily', route: 'GET /report/daily' };
const light: ZoomRequest = { method: 'GET', path: '/users/me', route: 'GET /users/:userId' };
const medium: ZoomRequest = { method: 'GET', path: '/users', route: 'GET /users' };
const intensive: ZoomRequest = {
  method: 'GET',
  path: '/metrics/meetings',
  route: 'GET /metrics/meetings',
};
const phoneHeavy: ZoomRequest = {
  method: 'GET',
  path: '/phone/call_logs',
  route: 'GET /phone/call_logs',
};
const create = (user: string): ZoomRequest => ({
  method: 'POST',
  path: `/users/${user}/meetings`,
  route: 'POST /users/{userId}/meetings',
});
const register = (webinar: string, email: string): ZoomRequest => ({
  method: 'POST',
  path: `/webinars/${webinar}/registrants`,
  registrants: [email],
  route: 'POST /webinars/:webinarId/registrants',
});
const forApp = (app: string): ZoomRequest => ({ ...medium, app });
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

async function refusal(run: Promise<unknown>): Promise<DomainError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError))
    throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}

/**
 * A FakeClock whose sleeps end only when the test moves time past them (FakeClock's end at once),
 * so a call told to wait for its slot waits on the test's time as it would on wall time.
 */
class SteppedClock extends FakeClock {
  private timers: { at: number; wake: () => void }[] = [];

  override sleep(ms: number): Promise<void> {
    void super.sleep(ms);
    return new Promise((wake) => this.timers.push({ at: this.now() + ms, wake }));
  }

  /** When the earliest sleep ends, if one is pending. */
  nextWake(): number | undefined {
    return this.timers.length ? Math.min(...this.timers.map((t) => t.at)) : undefined;
  }

  /** Moves time forward to `at` and ends the sleeps due by then. */
  moveTo(at: number): void {
    this.advance(at - this.now());
    const due = this.timers.filter((t) => t.at <= at);
    this.timers = this.timers.filter((t) => t.at > at);
    for (const timer of due) timer.wake();
  }
}

/** Waits until no call is mid-way: no command awaits Redis's reply and no promise step is left to run. */
async function settle(clients: Redis[]): Promise<void> {
  do await new Promise((done) => setImmediate(done));
  while (clients.some((client) => client.commandQueue.length > 0));
}

/** Moves `clock` to `at`, each sleep ending at its own instant, every call settled in between. */
async function passTime(clock: SteppedClock, clients: Redis[], at: number): Promise<void> {
  await settle(clients);
  for (let wake = clock.nextWake(); wake !== undefined && wake <= at; wake = clock.nextWake()) {
    clock.moveTo(wake);
    await settle(clients);
  }
  // Never back: a call that waited may have taken time past `at` already.
  clock.moveTo(Math.max(at, clock.now()));
}

/** Lets time go on, sleep by sleep, until no call waits for it any more; then answers `calls`. */
async function runOut<T>(clock: SteppedClock, clients: Redis[], calls: Promise<T>[]): Promise<T[]> {
  await settle(clients);
  for (let wake = clock.nextWake(); wake !== undefined; wake = clock.nextWake()) {
    clock.moveTo(wake);
    await settle(clients);
  }
  return Promise.all(calls);
}

/**
 * Start times on `clock` of `count` calls made at once through `governors` in turn, relative to
 * the first; the test's time goes on until every call has started.
 */
async function burst(
  clock: SteppedClock,
  clients: Redis[],
  governors: RateLimitGovernor[],
  request: ZoomRequest,
  count: number,
): Promise<number[]> {
  const times: number[] = [];
  await runOut(
    clock,
    clients,
    Array.from({ length: count }, (_, i) =>
      governors[i % governors.length].run(request, async () => (times.push(clock.now()), ok)),
    ),
  );
  times.sort((x, y) => x - y);
  return times.map((t) => t - times[0]);
}

/** The command connections of `replicas` that have Redis (the ones `settle` watches). */
const connectionsOf = (...replicas: { redis: Redis | null }[]): Redis[] =>
  replicas.flatMap(({ redis }) => (redis ? [redis] : []));

describe(RateLimitGovernor.name, () => {
  let namespace: Awaited<ReturnType<typeof createRedisNamespace>>;
  const clients: Redis[] = [];

  async function governor(
    options: {
      redis?: boolean;
      plan?: AppConfig['rateLimitPlan'];
      limits?: AppConfig['zoomRateLimits'];
      weights?: Record<string, number>;
      clock?: Clock;
    } = {},
  ): Promise<{
    governor: RateLimitGovernor;
    redis: Redis | null;
    blocks: DailyBlocks;
    limits: RateLimits;
    metrics: MetricsService;
  }> {
    const config = Object.assign(new AppConfig(), {
      rateLimitPlan: options.plan ?? 'pro',
      zoomRateLimits: options.limits,
      zoomAppWeights: options.weights ?? {},
      redisKeyPrefix: `${namespace.prefix}${testKey}:`,
      replicaId: `replica-${clients.length}`,
      role: 'server',
    });
    const connect = () => {
      const client = new Redis(namespace.url, { maxRetriesPerRequest: 1 });
      clients.push(client);
      return client;
    };
    const redis = options.redis === false ? null : connect();
    const subscriber = options.redis === false ? null : connect();
    for (const client of [redis, subscriber])
      if (client && client.status !== 'ready')
        await new Promise((done) => client.once('ready', done));
    const clock = options.clock ?? new Clock();
    const pubsub = new PubSubService(redis, subscriber, config);
    const jobs = new JobsService(config, new LeaseService(redis, config, clock));
    const limits = new RateLimits(config, redis, pubsub);
    const blocks = new DailyBlocks(config, clock, redis, pubsub, jobs);
    await limits.onModuleInit();
    await blocks.onModuleInit();
    jobs.onModuleDestroy();
    const metrics = new MetricsService();
    const daily = new DailyLimits(config, clock, redis, blocks, metrics, pubsub);
    await daily.onModuleInit();
    return {
      governor: new RateLimitGovernor(config, clock, redis, metrics, limits, daily),
      redis,
      blocks,
      limits,
      metrics,
    };
  }

  let testKey = 0;

  beforeAll(async () => {
    namespace = await createRedisNamespace();
  });

  beforeEach(() => {
    testKey++;
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await namespace.cleanup();
  });

  it('lets a burst up to the limit go at once, as Zoom counts a second', async () => {
    const clock = new SteppedClock();
    const replica = await governor({ clock }); // Heavy on pro: 10/s
    const offsets = await burst(clock, connectionsOf(replica), [replica.governor], heavy, 10);
    expect(offsets.at(-1)).toBeLessThan(100);
  });

  it('makes only the calls beyond the limit wait, across two replicas sharing Redis', async () => {
    const clock = new SteppedClock();
    const [a, b] = [await governor({ clock }), await governor({ clock })];
    const offsets = await burst(clock, connectionsOf(a, b), [a.governor, b.governor], heavy, 14);
    expect(offsets.filter((t) => t < 500)).toHaveLength(10);
    // The 11th waits until the 1st leaves the sliding second (1,020 ms with the jitter margin).
    expect(offsets[10]).toBeGreaterThanOrEqual(980);
  });

  it('counts the whole wait in zoom_rate_limit_wait_seconds, the time in line included', async () => {
    const clock = new SteppedClock();
    const replica = await governor({ clock }); // Heavy on pro: 10/s, so 3 of 13 wait for the next second
    await burst(clock, connectionsOf(replica), [replica.governor], heavy, 13);
    const { metrics } = replica;
    const buckets = (await metrics.registry.getSingleMetric('zoom_rate_limit_wait_seconds')!.get())
      .values;
    const count = (le: number) =>
      buckets.find((v) => v.labels.le === le && v.labels.category === 'heavy')?.value;
    expect(count(0)).toBe(10);
    expect(count(0.5)).toBe(10);
    expect(count(15)).toBe(13);
  });

  it('paces in-process when there is no Redis', async () => {
    const clock = new SteppedClock();
    const { governor: g } = await governor({ redis: false, plan: 'free', clock }); // Heavy on free: 1/s
    const offsets = await burst(clock, [], [g], heavy, 3);
    expect(offsets[1]).toBeGreaterThanOrEqual(980);
    expect(offsets[2]).toBeGreaterThanOrEqual(1_980);
  });

  it('makes one Redis round trip per call that spends no daily count', async () => {
    const { governor: g, redis } = await governor();
    const sent = vi.spyOn(redis!, 'sendCommand');
    await g.run(light, async () => ok);
    await g.run(medium, async () => ok);
    expect(sent.mock.calls.map(([command]) => command.name)).toEqual(['evalsha', 'evalsha']);
  });

  it('leases slots at a steady pace, so most calls make no Redis round trip', async () => {
    const clock = new SteppedClock();
    const { governor: g, redis } = await governor({ plan: 'business', clock }); // Light: 80/s
    const sent = vi.spyOn(redis!, 'sendCommand');
    let started = 0;
    const begin = clock.now();
    for (let i = 0; i < 80; i++) {
      await runOut(clock, [redis!], [g.run(light, async () => (started++, ok))]);
      await passTime(clock, [redis!], begin + (i + 1) * 40); // 25 calls a second
    }
    const trips = sent.mock.calls.filter(([command]) => command.name === 'evalsha').length;
    expect(started).toBe(80);
    expect(trips).toBeLessThan(40);
  });

  it('keeps every second within the limit while replicas lease, at one and a half times the limit', async () => {
    const leased = vi.spyOn(SlotLeases.prototype, 'take');
    // One clock for the fleet, moved only by the test: the pace the leases are sized to, and every
    // start, are the test's own however loaded the machine (wall time made this flaky).
    const clock = new SteppedClock();
    const replicas = await Promise.all([1, 2, 3].map(() => governor({ plan: 'business', clock })));
    const connections = connectionsOf(...replicas);
    const starts: number[] = [];
    const calls: Promise<unknown>[] = [];
    // Each replica at 40 calls a second of Light (Light's limit on business: 80/s for the fleet) for 1.5 s.
    const begin = clock.now();
    for (let i = 0; i < 60; i++) {
      for (const { governor: g } of replicas)
        calls.push(g.run(light, async () => (starts.push(clock.now()), ok)));
      await passTime(clock, connections, begin + (i + 1) * 25);
    }
    // The calls still waiting for a slot start as time goes on.
    await runOut(clock, connections, calls);
    starts.sort((x, y) => x - y);
    const busiestSecond = Math.max(
      ...starts.map((from) => starts.filter((t) => t >= from && t < from + 1_000).length),
    );
    expect(starts).toHaveLength(180);
    expect(busiestSecond).toBeLessThanOrEqual(80);
    // Leases were taken (the invariant is checked with them, not without).
    expect(leased.mock.results.filter((r) => r.value === true).length).toBeGreaterThan(5);
    leased.mockRestore();
  });

  it('retries a per-second 429 from Zoom in the next second and answers the retry', async () => {
    const clock = new SteppedClock();
    const replica = await governor({ clock });
    const answers = [qps429, ok];
    const times: number[] = [];
    const [response] = await runOut(clock, connectionsOf(replica), [
      replica.governor.run(heavy, async () => (times.push(clock.now()), answers.shift()!)),
    ]);
    expect([response.status, times.length]).toEqual([200, 2]);
    expect(Math.floor(times[1] / 1000)).toBeGreaterThan(Math.floor(times[0] / 1000));
  });

  it('refuses further creates for a user after Zoom reported its daily limit, on every replica, until the reset', async () => {
    const [a, b] = [(await governor()).governor, await governor()];
    const midnight = (Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000;
    // A captured daily-limit answer: no X-RateLimit-Type and no Retry-After, only the message.
    const capped: ZoomResponse = {
      status: 429,
      data: {
        code: 429,
        message:
          'You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user.',
      },
      headers: {},
    };
    const first = await a.run(create('capped@example.com'), async () => capped);
    expect(first.status).toBe(429);
    const toldToWait = Number(first.headers['retry-after']);
    expect(toldToWait).toBeGreaterThan(0);
    expect(toldToWait).toBeLessThanOrEqual(Math.ceil((midnight - Date.now()) / 1000) + 1);

    // Announced to the fleet: the other replica learns it without asking Redis per call.
    await vi.waitFor(() => expect(b.blocks.blockedUntil('host:capped@example.com')).toBeDefined());
    let calls = 0;
    const error = await refusal(
      b.governor.run(create('Capped@example.com'), async () => (calls++, ok)),
    );
    expect([error.status, error.code]).toEqual([429, ErrorCode.DailyLimitReached]);
    await expect(
      b.governor.run(create('someone-else@example.com'), async () => (calls++, ok)),
    ).resolves.toMatchObject({ status: 200 });
    expect(calls).toBe(1);
  });

  it('paces to the per-second limit Zoom reports on ordinary answers, on every replica', async () => {
    const clock = new SteppedClock();
    const [a, b] = [(await governor({ clock })).governor, await governor({ clock })];
    const reported: ZoomResponse = {
      ...ok,
      headers: {
        'x-ratelimit-category': 'Light',
        'x-ratelimit-type': 'QPS',
        'x-ratelimit-limit': '2',
      },
    };
    await a.run(light, async () => reported);
    await vi.waitFor(() => expect(b.limits.limit('general', 'light').limit).toBe(2));
    const offsets = await burst(clock, connectionsOf(b), [b.governor], light, 3);
    expect(offsets[2]).toBeGreaterThanOrEqual(980);
  });

  it('paces to ZOOM_RATE_LIMITS over the plan', async () => {
    const clock = new SteppedClock();
    const { governor: g } = await governor({ redis: false, limits: { heavy: 2 }, clock });
    const offsets = await burst(clock, [], [g], heavy, 3);
    expect(offsets[1]).toBeLessThan(100);
    expect(offsets[2]).toBeGreaterThanOrEqual(980);
  });

  it.each([true, false])(
    "keeps each app's share while another bursts, lending what is unused (Redis: %s)",
    async (withRedis) => {
      const clock = new SteppedClock();
      const replica = await governor({ redis: withRedis, limits: { medium: 10 }, clock });
      const connections = connectionsOf(replica);
      const started = clock.now();
      const starts = new Map<string, number[]>([
        ['bursty', []],
        ['steady', []],
      ]);
      const call = (app: string) =>
        replica.governor.run(
          forApp(app),
          async () => (starts.get(app)?.push(clock.now() - started), ok),
        );
      // Alone, the bursty app borrows the whole window; then both want more.
      const bursty = Array.from({ length: 30 }, () => call('bursty'));
      await passTime(clock, connections, started + 100);
      const steady = Array.from({ length: 5 }, () => call('steady'));
      await runOut(clock, connections, [...steady, ...bursty]);
      // The steady app's 5 (its share of 10) start in the next window, not after the burst's 30.
      expect(starts.get('steady')).toHaveLength(5);
      expect(Math.max(...(starts.get('steady') ?? []))).toBeLessThan(1_500);
      expect(starts.get('bursty')?.filter((t) => t < 900)).toHaveLength(10);
    },
  );

  it('names the app share when it refuses an app whose line is longer than the bounded wait', async () => {
    const { governor: g } = await governor({ redis: false, limits: { medium: 10 } });
    await Promise.all(Array.from({ length: 10 }, () => g.run(forApp('a'), async () => ok)));
    void g.run(forApp('b'), async () => ok); // b is owed the rest of its share of 5
    const refused: DomainError[] = [];
    for (let i = 0; i < 120; i++)
      g.run(forApp('a'), async () => ok).catch((e: unknown) => {
        if (e instanceof DomainError) refused.push(e);
      });
    await vi.waitFor(() => expect(refused.length).toBeGreaterThan(0));
    expect(refused[0]?.message).toMatch(/App a is over its share \(5\/s of 10\/s\)/);
    expect(refused[0]?.options.headers?.['X-Gateway-Refusal']).toBe('app_share');
  });

  it('answers 429 with Retry-After at once when the line is longer than the bounded wait', async () => {
    const clock = new SteppedClock();
    const { governor: g } = await governor({ redis: false, plan: 'free', clock }); // 1/s: 15 s of line holds 16
    const queued = Array.from({ length: 15 }, () =>
      g.run(heavy, async () => ok).catch(() => undefined),
    );
    let refused: DomainError | undefined;
    void refusal(g.run(heavy, async () => ok)).then((error) => (refused = error));
    // At once: answered before the test lets any time pass (the queued calls still wait for it).
    await settle([]);
    expect(clock.nextWake()).toBeDefined();
    expect([refused?.status, refused?.code]).toEqual([429, ErrorCode.RateLimited]);
    expect(Number(refused?.options.headers?.['Retry-After'])).toBeGreaterThanOrEqual(1);
    await runOut(clock, [], queued);
  });

  it('lets Resource-intensive calls start within the per-minute limit and refuses the rest with Retry-After', async () => {
    const { governor: g } = await governor({ limits: { resource_intensive: 3 } });
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        g
          .run(intensive, async () => ok)
          .then(
            () => 'sent',
            (e: unknown) =>
              e instanceof DomainError ? e.options.headers?.['Retry-After'] : 'other',
          ),
      ),
    );
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(3);
    // The fourth would start a minute after the first: beyond the 15 s wait, so refused now.
    expect(outcomes.filter((o) => Number(o) >= 45)).toHaveLength(2);
  });

  it("paces Zoom Phone on Phone's own table", async () => {
    const clock = new SteppedClock();
    const replica = await governor({ clock }); // Phone Heavy on pro: 5/s (general Heavy: 10/s)
    const offsets = await burst(clock, connectionsOf(replica), [replica.governor], phoneHeavy, 7);
    expect(offsets.filter((t) => t < 500)).toHaveLength(5);
    expect(offsets[5]).toBeGreaterThanOrEqual(980);
  });

  it("blocks only the registrant Zoom's per-registrant 429 names, on every replica", async () => {
    const [a, b] = [await governor(), await governor()];
    const capped: ZoomResponse = {
      status: 429,
      data: {
        code: 429,
        message:
          'You have exceeded the daily rate limit (3) of Webinar Batch Registration API requests permitted for (Ann@example.com) this particular registrant. You may resume these requests at GMT 00:00:00.',
      },
      headers: {},
    };
    await a.governor.run(register('81234567890', 'ann@example.com'), async () => capped);
    await vi.waitFor(() =>
      expect(b.blocks.list().map((block) => block.scope)).toContain(
        'registrant:webinar:81234567890:ann@example.com',
      ),
    );
    let calls = 0;
    const error = await refusal(
      b.governor.run(register('81234567890', 'ANN@example.com'), async () => (calls++, ok)),
    );
    expect(error.code).toBe(ErrorCode.DailyLimitReached);
    for (const other of [
      register('81234567890', 'bob@example.com'),
      register('89999999999', 'ann@example.com'),
      light,
      create('me'),
    ])
      await b.governor.run(other, async () => (calls++, ok));
    expect(calls).toBe(4);
  });

  it('blocks only that operation on that resource when a daily 429 names no scope it can place', async () => {
    const { governor: g } = await governor();
    const daily: ZoomResponse = {
      status: 429,
      data: {
        code: 429,
        message:
          'You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.',
      },
      headers: { 'x-ratelimit-type': 'Daily-limit', 'x-ratelimit-category': 'Light' },
    };
    await g.run(light, async () => daily);
    expect((await refusal(g.run(light, async () => ok))).code).toBe(ErrorCode.DailyLimitReached);
    const other = { ...light, path: '/users/someone@example.com' };
    await expect(g.run(other, async () => ok)).resolves.toMatchObject({ status: 200 });
    await expect(g.run(medium, async () => ok)).resolves.toMatchObject({ status: 200 });
  });

  it("counts a host's creates and updates for the day and refuses the one past Zoom's 100 locally", async () => {
    const { governor: g } = await governor({ plan: 'business' });
    const sent: number[] = [];
    for (let i = 0; i < 100; i++)
      await g.run(create('busy@example.com'), async () => (sent.push(i), ok));
    const error = await refusal(g.run(create('Busy@Example.com'), async () => ok));
    expect([error.code, sent.length]).toEqual([ErrorCode.DailyLimitReached, 100]);
    expect(Number(error.options.headers?.['Retry-After'])).toBeGreaterThan(0);
    await expect(g.run(create('calm@example.com'), async () => ok)).resolves.toMatchObject({
      status: 200,
    });
  });

  it('counts me, the email and the id as one host once a create named them', async () => {
    const { governor: g, redis } = await governor({ plan: 'business' });
    const created: ZoomResponse = {
      status: 201,
      data: { id: 1, host_id: 'HostId123', host_email: 'owner@example.com' },
      headers: {},
    };
    await g.run(create('me'), async () => created);
    for (let i = 0; i < 100; i++)
      await g.run(create(i % 2 ? 'owner@example.com' : 'HostId123'), async () => ok);
    expect((await refusal(g.run(create('me'), async () => ok))).code).toBe(
      ErrorCode.DailyLimitReached,
    );
    expect(await redis!.hget(`${namespace.prefix}${testKey}:ratelimit:hosts`, 'me')).toBe(
      'HostId123',
    );
  });

  it('reads Zoom daily Retry-After as a date or seconds, never past the next UTC midnight', () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0);
    expect(resetTime('2030-01-01T18:00:00Z', now)).toBe(Date.UTC(2030, 0, 1, 18));
    expect(resetTime('2030-01-05T00:00:00Z', now)).toBe(Date.UTC(2030, 0, 2));
    expect(resetTime('120', now)).toBe(now + 120_000);
    expect(resetTime('garbage', now)).toBe(Date.UTC(2030, 0, 2));
    expect(resetTime(undefined, now)).toBe(Date.UTC(2030, 0, 2));
  });
});
